"""One behaviour, two transports: every scenario runs against ``inbox.testing.MemoryInbox``
and against the real ``InboxWorker`` on the broker, and must come out the same. This is
what lets users trust a handler test written with ``inbox.testing``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol

import pytest
from sqlalchemy.orm import Session

from postroom.devstack import EmbeddedStack
from postroom.inbox import HandlerRegistry, InboxMessage, RetryPolicy, read_dead_letters
from postroom.inbox.testing import MemoryInbox, record_for
from postroom.outbox import Event
from tests.integration.conftest import eventually
from tests.integration.inbox.conftest import Producer, Reader, Running, new_topic, record_effect

POLICY = RetryPolicy(max_attempts=2, backoff_s=0.0, retry_delays_s=())


class Transport(Protocol):
    def publish(self, event: Event, copies: int = 1) -> None: ...

    def settle(self) -> None: ...

    def dead_letters(self) -> list[tuple[str, int]]: ...


class Memory:
    def __init__(self, registry: HandlerRegistry, reader: Reader) -> None:
        self.inbox = MemoryInbox(registry, reader.engine, consumer="contract", retry=POLICY)

    def publish(self, event: Event, copies: int = 1) -> None:
        self.inbox.publish(event, copies=copies)

    def settle(self) -> None:
        self.inbox.run()

    def dead_letters(self) -> list[tuple[str, int]]:
        return [(d.reason, d.attempts) for d in self.inbox.dead_letters]


class Kafka:
    def __init__(
        self, registry: HandlerRegistry, reader: Reader, stack: EmbeddedStack, start: Any
    ) -> None:
        self.topic = new_topic(stack, partitions=1)
        self.servers = stack.bootstrap_servers
        self.producer = Producer(stack.bootstrap_servers)
        self.running: Running = start(
            registry, reader.engine, consumer="contract", topics=(self.topic,), retry=POLICY
        )
        self.sent = 0

    def publish(self, event: Event, copies: int = 1) -> None:
        record = record_for(event)
        for _ in range(copies):
            self.producer.send_raw(
                self.topic, record.key or b"", record.value or b"", record.headers
            )
            self.sent += 1

    def settle(self) -> None:
        outcomes = self.running.worker.outcomes
        kinds = ("handled", "duplicate", "ignored", "dead-lettered")
        eventually(lambda: sum(outcomes[k] for k in kinds) == self.sent, what="all settled")

    def dead_letters(self) -> list[tuple[str, int]]:
        letters = read_dead_letters(self.servers, f"{self.topic}.dlq", idle_timeout_ms=500)
        return [(d.summary()["reason"], d.summary()["attempts"]) for d in letters]


@pytest.fixture(params=["memory", "kafka"])
def transport_factory(
    request: pytest.FixtureRequest,
    reader: Reader,
    stack: EmbeddedStack,
    start_worker: Callable[..., Running],
) -> Iterator[Callable[[HandlerRegistry], Transport]]:
    made: list[Kafka] = []

    def make(registry: HandlerRegistry) -> Transport:
        if request.param == "memory":
            return Memory(registry, reader)
        kafka = Kafka(registry, reader, stack, start_worker)
        made.append(kafka)
        return kafka

    yield make
    for kafka in made:
        kafka.producer.kafka.close(timeout=5)


def order(n: int, *, version: int = 1, event_type: str = "OrderPlaced") -> Event:
    return Event(
        aggregate_type="order",
        aggregate_id=f"o-{n}",
        type=event_type,
        payload={"n": n},
        schema_version=version,
    )


def contract_registry() -> HandlerRegistry:
    registry = HandlerRegistry()
    registry.on("OrderPlaced")(record_effect)
    registry.ignore("OrderViewed")

    @registry.on("OrderRefunded")
    def refuse(session: Session, message: InboxMessage) -> None:
        raise RuntimeError("refunds are broken")

    return registry


def test_both_transports_dedupe_ignore_and_dead_letter_alike(
    transport_factory: Callable[[HandlerRegistry], Transport], reader: Reader
) -> None:
    transport = transport_factory(contract_registry())
    once, thrice = order(1), order(2)
    transport.publish(once)
    transport.publish(thrice, copies=3)
    transport.publish(order(3, event_type="OrderViewed"))
    transport.publish(order(4, event_type="OrderShipped"))
    transport.publish(order(5, version=2))
    transport.publish(order(6, event_type="OrderRefunded"))
    transport.settle()

    assert (reader.effects(once.id), reader.effects(thrice.id), reader.effects()) == (1, 1, 2)
    assert sorted(transport.dead_letters()) == [
        ("handler-failed", 2),
        ("unknown-event-type", 1),
        ("unknown-schema-version", 1),
    ]
