"""``inbox.testing``: test your handlers without Kafka, with duplicates and reordering.

``MemoryInbox`` is an in-memory transport in front of the very same code the worker
runs: each published ``outbox.Event`` becomes a record shaped like the relay's (key =
aggregate id, JSON value, ``id``/``eventType``/``timestamp``/``schemaVersion``/
``traceparent``/... headers), which goes through ``decode_record``, the failure policy
(``deliver``) and ``InboxProcessor``: dedupe row and handler in one transaction.

The handler's session is a real PostgreSQL one (the dedupe is PostgreSQL's
``INSERT ... ON CONFLICT``, and handlers usually use PostgreSQL SQL): point it at a test
database that has the inbox table (``migrations.upgrade(url)`` or ``create_inbox_table``).

    inbox = MemoryInbox(registry, engine, consumer="users")
    inbox.publish(event, copies=3)          # delivered three times
    inbox.run(shuffle=7)                    # in a seeded random order
    assert inbox.outcomes["handled"] == 1
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from postroom.inbox._delivery import Failure, RetryPolicy, deliver
from postroom.inbox._message import DEFAULT_MAX_MESSAGE_BYTES
from postroom.inbox._processor import InboxProcessor, Outcome
from postroom.inbox._registry import HandlerRegistry
from postroom.inbox._table import DEFAULT_INBOX_TABLE, inbox_table
from postroom.inbox._verifier import MessageVerifier
from postroom.outbox import Event, EventSigner, wire

__all__ = ["MemoryDeadLetter", "MemoryInbox", "MemoryRecord", "create_inbox_table", "record_for"]


@dataclass(frozen=True, slots=True)
class MemoryRecord:
    """A record with the fields of kafka-python's ``ConsumerRecord`` the inbox reads."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class MemoryDeadLetter:
    """What would have been parked on ``<topic>.dlq``, and why."""

    record: MemoryRecord
    reason: str
    error: str
    attempts: int


def create_inbox_table(engine: sa.Engine, *, schema: str | None = None) -> None:
    """Create the inbox table in a test database that has no migrations applied."""
    metadata = sa.MetaData()
    inbox_table(metadata, name=DEFAULT_INBOX_TABLE, schema=schema)
    metadata.create_all(engine)


def record_for(
    event: Event,
    *,
    topic: str | None = None,
    offset: int = 0,
    signer: EventSigner | None = None,
) -> MemoryRecord:
    """``event`` as the relay would put it on Kafka (signed by ``signer``, if given, as
    ``Outbox(signer=...)`` would sign it)."""
    if not isinstance(event, Event):
        raise TypeError(f"expected an outbox.Event, got {event!r}")
    value = None if event.payload_json is None else event.payload_json.encode()
    headers = wire.event_headers(event)
    if signer is not None:
        headers.append((wire.SIGNATURE_HEADER, signer.sign(event).encode()))
    return MemoryRecord(
        topic or wire.topic_for(event.aggregate_type),
        0,
        offset,
        event.aggregate_id.encode(),
        value,
        headers,
    )


class MemoryInbox:
    """Queue records in memory, then deliver them through the real inbox code path."""

    def __init__(
        self,
        registry: HandlerRegistry,
        engine: sa.Engine,
        *,
        consumer: str = "test-consumer",
        schema: str | None = None,
        retry: RetryPolicy | None = None,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        verifier: MessageVerifier | None = None,
    ) -> None:
        self.processor = InboxProcessor(engine, consumer, registry, schema=schema)
        self.verifier = verifier
        # No waiting in tests: in-place retries without backoff, retry rounds at once.
        self.retry = retry or RetryPolicy(max_attempts=2, backoff_s=0.0, retry_delays_s=(0.0,))
        self.max_message_bytes = max_message_bytes
        self.queue: list[tuple[MemoryRecord, int, int]] = []  # record, round, attempts so far
        self.outcomes: Counter[str] = Counter()
        self.dead_letters: list[MemoryDeadLetter] = []
        self.handled: list[MemoryRecord] = []
        self._offset = 0

    def publish(
        self,
        event: Event,
        *,
        copies: int = 1,
        topic: str | None = None,
        signer: EventSigner | None = None,
    ) -> MemoryRecord:
        """Queue ``event`` ``copies`` times (a redelivery is the very same record again),
        signed by ``signer`` if given."""
        if copies < 1:
            raise ValueError(f"copies must be >= 1, got {copies}")
        record = record_for(event, topic=topic, offset=self._next_offset(), signer=signer)
        self.queue.extend((record, 0, 0) for _ in range(copies))
        return record

    def send_raw(
        self,
        topic: str,
        value: bytes | None,
        headers: list[tuple[str, bytes]],
        *,
        key: bytes | None = None,
    ) -> MemoryRecord:
        """Queue any record at all: bad JSON, missing headers, whatever a test needs."""
        record = MemoryRecord(topic, 0, self._next_offset(), key, value, list(headers))
        self.queue.append((record, 0, 0))
        return record

    def send_json(self, topic: str, event_type: str, payload: Any, **headers: str) -> MemoryRecord:
        """Queue a JSON payload with an ``eventType`` and any other headers given."""
        raw = [("eventType", event_type.encode())] + [(k, v.encode()) for k, v in headers.items()]
        return self.send_raw(topic, json.dumps(payload).encode(), raw)

    def run(self, *, shuffle: int | None = None) -> Counter[str]:
        """Deliver everything queued (and any retries it causes); return the outcomes.

        ``shuffle`` is a seed: the queue is delivered in that random order, the way a
        replay, a retry or records of different partitions can reorder messages.
        """
        while self.queue:
            batch, self.queue = self.queue, []
            if shuffle is not None:
                random.Random(shuffle).shuffle(batch)
            for record, round_, attempts in batch:
                verdict = deliver(
                    self.processor,
                    record,
                    self.retry,
                    max_bytes=self.max_message_bytes,
                    previous_attempts=attempts,
                    sleep=lambda _: None,
                    verifier=self.verifier,
                )
                if isinstance(verdict, Outcome):
                    self.outcomes[verdict.value] += 1
                    if verdict is Outcome.HANDLED:
                        self.handled.append(record)
                elif verdict.retry_delay(round_, self.retry) is not None:
                    self.outcomes["retry-scheduled"] += 1
                    self.queue.append((record, round_ + 1, verdict.attempts))
                else:
                    self._dead_letter(record, verdict)
        return self.outcomes

    def _dead_letter(self, record: MemoryRecord, failure: Failure) -> None:
        self.outcomes["dead-lettered"] += 1
        self.dead_letters.append(
            MemoryDeadLetter(record, failure.reason, failure.error, failure.attempts)
        )

    def _next_offset(self) -> int:
        self._offset += 1
        return self._offset - 1
