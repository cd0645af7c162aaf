"""Dead letters: a record that can't be handled is parked on ``<topic>.dlq`` with why.

The original key, value and headers are kept byte for byte, so nothing is lost and a
later replay can put the very same message back (same ``id``: the inbox dedupes it).
``postroom.dlq.*`` headers say why and where from; ``DeadLetter`` reads them back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kafka import KafkaProducer

from postroom.inbox._retry_topic import (
    Origin,
    RetryState,
    now_ms,
    original_headers,
    retry_state,
    utf8_header,
)
from postroom.outbox import wire

__all__ = ["DEAD_LETTER_SUFFIX", "DeadLetter", "DeadLetters"]

DEAD_LETTER_SUFFIX = ".dlq"

REASON = "postroom.dlq.reason"
ERROR = "postroom.dlq.error"
EXCEPTION = "postroom.dlq.exception"
TOPIC = "postroom.dlq.topic"
PARTITION = "postroom.dlq.partition"
OFFSET = "postroom.dlq.offset"
ATTEMPTS = "postroom.dlq.attempts"
FIRST_FAILURE = "postroom.dlq.first_failure"
PARKED_AT = "postroom.dlq.parked_at"
CONSUMER = "postroom.dlq.consumer"


def _iso(ms: int | None) -> str | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, UTC).isoformat()


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """One record read back from a dead-letter topic."""

    dlq_topic: str
    dlq_partition: int
    dlq_offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]

    @classmethod
    def from_record(cls, record: Any) -> DeadLetter:
        return cls(
            record.topic,
            record.partition,
            record.offset,
            record.key,
            record.value,
            list(record.headers or []),
        )

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name and value is not None:
                return value.decode(errors="replace")
        return None

    @property
    def origin(self) -> Origin:
        return Origin(
            self.header(TOPIC) or self.dlq_topic.removesuffix(DEAD_LETTER_SUFFIX),
            int(self.header(PARTITION) or -1),
            int(self.header(OFFSET) or -1),
        )

    @property
    def original_headers(self) -> list[tuple[str, bytes]]:
        return original_headers(self)

    def summary(self) -> dict[str, Any]:
        """Plain data for tables and ``--json``."""
        first = self.header(FIRST_FAILURE)
        parked = self.header(PARKED_AT)
        return {
            "dlq_topic": self.dlq_topic,
            "partition": self.dlq_partition,
            "offset": self.dlq_offset,
            "id": self.header(wire.ID_HEADER),
            "event_type": self.header(wire.EVENT_TYPE_HEADER),
            "key": None if self.key is None else self.key.decode(errors="replace"),
            "reason": self.header(REASON),
            "exception": self.header(EXCEPTION),
            "error": self.header(ERROR),
            "original_topic": self.origin.topic,
            "original_partition": self.origin.partition,
            "original_offset": self.origin.offset,
            "attempts": int(self.header(ATTEMPTS) or 0),
            "first_failure": _iso(int(first)) if first else None,
            "parked_at": _iso(int(parked)) if parked else None,
            "consumer": self.header(CONSUMER),
        }


class DeadLetters:
    """Publishes records to their dead-letter topic, acknowledged before returning."""

    def __init__(
        self, producer: KafkaProducer, *, suffix: str = DEAD_LETTER_SUFFIX, consumer: str = ""
    ) -> None:
        if not suffix:
            raise ValueError("the dead-letter suffix must be non-empty")
        self._producer = producer
        self.suffix = suffix
        self.consumer = consumer

    def topic_for(self, topic: str) -> str:
        return f"{topic}{self.suffix}"

    def park(
        self,
        record: Any,
        state: RetryState | None = None,
        *,
        reason: str,
        error: str,
        attempts: int,
        exception: str = "",
    ) -> None:
        """Send ``record`` to its (original topic's) dead-letter topic; wait for the ack."""
        state = state or retry_state(record)
        now = now_ms()
        extra = {
            REASON: reason,
            ERROR: error[:2000],
            EXCEPTION: exception,
            TOPIC: state.origin.topic,
            PARTITION: state.origin.partition,
            OFFSET: state.origin.offset,
            ATTEMPTS: attempts,
            FIRST_FAILURE: state.first_failure_ms if state.first_failure_ms is not None else now,
            PARKED_AT: now,
            CONSUMER: self.consumer,
        }
        headers = original_headers(record) + [(k, utf8_header(v)) for k, v in extra.items()]
        future = self._producer.send(
            self.topic_for(state.origin.topic), key=record.key, value=record.value, headers=headers
        )
        future.get(timeout=30)
