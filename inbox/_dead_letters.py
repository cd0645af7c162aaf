"""Dead letters: a record that can't be handled is parked on ``<topic>.dlq`` with why.

The original key, value and headers are kept byte for byte, so nothing is lost and a
later replay can put the very same message back.
"""

from __future__ import annotations

import time
from typing import Any

from kafka import KafkaProducer

__all__ = ["DEAD_LETTER_SUFFIX", "DeadLetters"]

DEAD_LETTER_SUFFIX = ".dlq"


class DeadLetters:
    """Publishes records to their dead-letter topic, acknowledged before returning."""

    def __init__(self, producer: KafkaProducer, *, suffix: str = DEAD_LETTER_SUFFIX) -> None:
        self._producer = producer
        self.suffix = suffix

    def topic_for(self, topic: str) -> str:
        return f"{topic}{self.suffix}"

    def park(self, record: Any, *, reason: str, error: str, attempts: int) -> None:
        """Send ``record`` to its dead-letter topic and wait for the broker's ack."""
        headers = list(record.headers or [])
        headers += [
            ("postroom.dlq.reason", reason.encode()),
            ("postroom.dlq.error", error[:2000].encode()),
            ("postroom.dlq.topic", record.topic.encode()),
            ("postroom.dlq.partition", str(record.partition).encode()),
            ("postroom.dlq.offset", str(record.offset).encode()),
            ("postroom.dlq.attempts", str(attempts).encode()),
            ("postroom.dlq.parked_at", str(int(time.time() * 1000)).encode()),
        ]
        future = self._producer.send(
            self.topic_for(record.topic), key=record.key, value=record.value, headers=headers
        )
        future.get(timeout=30)
