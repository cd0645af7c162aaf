"""The retry topic: a message failing in place is tried again after its delay, by the
same worker, without holding up anything behind it; keys that don't fail keep order."""

from __future__ import annotations

import time
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from postroom.devstack import EmbeddedStack
from postroom.inbox import HandlerRegistry, InboxMessage
from tests.integration.conftest import eventually
from tests.integration.inbox.conftest import Producer, Reader, Running, new_topic, record_effect


def test_a_message_that_fails_in_place_succeeds_on_the_retry_topic_after_its_delay(
    stack: EmbeddedStack,
    producer: Producer,
    reader: Reader,
    start_worker: Callable[..., Running],
) -> None:
    failures: list[float] = []
    registry = HandlerRegistry()

    @registry.on("OrderPlaced")
    def flaky(session: Session, message: InboxMessage) -> None:
        if len(failures) < 2:  # both in-place attempts fail; the retry round succeeds
            failures.append(time.monotonic())
            raise ConnectionResetError("the payment service hung up")
        record_effect(session, message)

    topic = new_topic(stack)
    running = start_worker(
        registry,
        reader.engine,
        consumer="retry-ok",
        topics=(topic,),
        max_attempts=2,
        retry_backoff_s=0.01,
        retry_delays_s=(0.8,),
    )
    sent = producer.send(topic, "OrderPlaced", {"n": 1})
    eventually(lambda: reader.effects(sent.id) == 1, what="the retried message's effect")
    handled_at = time.monotonic()

    assert handled_at - failures[0] >= 0.8
    assert running.worker.outcomes["retry-scheduled"] == 1
    assert running.worker.outcomes["dead-lettered"] == 0
    assert running.worker.outcomes["handled"] == 1


def test_keys_that_never_fail_keep_their_order_and_a_failing_key_does_not_block(
    stack: EmbeddedStack,
    producer: Producer,
    reader: Reader,
    start_worker: Callable[..., Running],
) -> None:
    with reader.engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE seen (seq bigserial, key text, n int)"))
    registry = HandlerRegistry()

    @registry.on("Step")
    def step(session: Session, message: InboxMessage) -> None:
        if message.payload.get("poison"):
            raise ValueError("cannot apply this step")
        session.execute(
            sa.text("INSERT INTO seen (key, n) VALUES (:key, :n)"),
            {"key": message.key, "n": message.payload["n"]},
        )

    topic = new_topic(stack, partitions=1)
    running = start_worker(
        registry, reader.engine, consumer="order", topics=(topic,), retry_delays_s=()
    )
    for key, n, poison in [("a", 1, False), ("b", 1, True), ("a", 2, False), ("b", 2, False)]:
        producer.send(topic, "Step", {"n": n, "poison": poison}, key=key)
    producer.send(topic, "Step", {"n": 3}, key="a")

    eventually(lambda: len(_seen(reader, "a")) == 3, what="a's three steps")
    assert _seen(reader, "a") == [1, 2, 3]
    assert _seen(reader, "b") == [2]  # b's later step went on; the poison is a dead letter
    assert running.worker.outcomes["dead-lettered:handler-failed"] == 1


def _seen(reader: Reader, key: str) -> list[int]:
    with reader.engine.connect() as connection:
        query = sa.text("SELECT n FROM seen WHERE key = :key ORDER BY seq")
        return [row[0] for row in connection.execute(query, {"key": key})]
