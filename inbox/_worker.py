"""``InboxWorker``: a Kafka consumer-group member feeding the ``InboxProcessor``.

Order of commits, per poll: every record's database transaction (dedupe row + side
effects) commits first; the Kafka offsets of the whole poll commit after. A crash in
between replays those records, and the inbox rows turn the replay into no-ops.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.structs import OffsetAndMetadata

from inbox._dead_letters import DEAD_LETTER_SUFFIX, DeadLetters
from inbox._message import DEFAULT_MAX_MESSAGE_BYTES, decode_record
from inbox._processor import InboxProcessor, Outcome
from inbox._registry import HandlerRegistry
from outbox._errors import InboxError, UndecodableMessageError

__all__ = ["InboxConfig", "InboxWorker"]

log = logging.getLogger("postroom.inbox")

# Errors of the infrastructure rather than of the message: never dead-letter on these.
_INFRASTRUCTURE = (sa.exc.OperationalError, sa.exc.InterfaceError)


@dataclass(frozen=True, kw_only=True)
class InboxConfig:
    """Settings of one consumer (its name is also its consumer group id)."""

    consumer: str
    topics: tuple[str, ...]
    bootstrap_servers: str
    schema: str | None = None
    max_attempts: int = 3
    retry_backoff_s: float = 0.05
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    dead_letter_suffix: str = DEAD_LETTER_SUFFIX
    session_timeout_ms: int = 10_000
    heartbeat_interval_ms: int = 3_000
    fetch_max_wait_ms: int = 50

    def __post_init__(self) -> None:
        if not self.consumer:
            raise ValueError("consumer must be a non-empty name")
        if not self.topics:
            raise ValueError("a consumer needs at least one topic")
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be >= 1, got {self.max_attempts}")


class InboxWorker:
    """Consume ``config.topics`` and handle each event once in effect."""

    def __init__(self, config: InboxConfig, registry: HandlerRegistry, engine: sa.Engine) -> None:
        self.config = config
        self.processor = InboxProcessor(engine, config.consumer, registry, schema=config.schema)
        self.outcomes: Counter[str] = Counter()
        #: Set once the group has assigned this worker its partitions.
        self.assigned = threading.Event()
        self._consumer = KafkaConsumer(
            bootstrap_servers=config.bootstrap_servers,
            group_id=config.consumer,
            client_id=f"postroom-inbox-{config.consumer}",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=config.session_timeout_ms,
            heartbeat_interval_ms=config.heartbeat_interval_ms,
            fetch_max_wait_ms=config.fetch_max_wait_ms,
        )
        self._producer = KafkaProducer(
            bootstrap_servers=config.bootstrap_servers, acks="all", client_id="postroom-dlq"
        )
        self._dead_letters = DeadLetters(self._producer, suffix=config.dead_letter_suffix)
        self._consumer.subscribe(list(config.topics))

    def poll_once(self, timeout_ms: int = 200) -> int:
        """Handle one poll's worth of records, then commit their offsets. Returns the count."""
        batches = self._consumer.poll(timeout_ms=timeout_ms)
        if self._consumer.assignment():
            self.assigned.set()
        offsets: dict[TopicPartition, OffsetAndMetadata] = {}
        count = 0
        for partition, records in batches.items():
            for record in records:
                self._handle(record)
                offsets[partition] = OffsetAndMetadata(record.offset + 1, "", -1)
                count += 1
        if offsets:
            self._consumer.commit(offsets)
        return count

    def _handle(self, record: Any) -> None:
        try:
            message = decode_record(record, max_bytes=self.config.max_message_bytes)
        except UndecodableMessageError as exc:
            self._park(record, "undecodable", str(exc), attempts=1)
            return
        for attempt in range(1, self.config.max_attempts + 1):
            try:
                outcome = self.processor.process(message)
            except Exception as exc:
                if attempt < self.config.max_attempts:
                    time.sleep(self.config.retry_backoff_s * 2 ** (attempt - 1))
                    continue
                if isinstance(exc, _INFRASTRUCTURE):
                    raise InboxError(
                        f"database unavailable while handling {message.id}: {exc}",
                        retriable=True,
                    ) from exc
                self._park(record, "handler-failed", repr(exc), attempts=attempt)
                return
            if outcome is Outcome.UNKNOWN_TYPE:
                self._park(record, "unknown-event-type", message.type, attempts=attempt)
                return
            self.outcomes[outcome.value] += 1
            return

    def _park(self, record: Any, reason: str, error: str, *, attempts: int) -> None:
        log.warning(
            "dead-lettering %s[%s]@%s: %s: %s",
            record.topic,
            record.partition,
            record.offset,
            reason,
            error,
        )
        self._dead_letters.park(record, reason=reason, error=error, attempts=attempts)
        self.outcomes["dead-lettered"] += 1

    def run(self, stop: threading.Event) -> None:
        """Poll until ``stop`` is set; then commit what is done and leave the group."""
        try:
            while not stop.is_set():
                self.poll_once()
        finally:
            self.close()

    def close(self) -> None:
        self._consumer.close(autocommit=False)
        self._producer.close(timeout=5)
