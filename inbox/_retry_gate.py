"""``RetryGate``: hold a retry partition until its head record is due, and only that one.

A record on ``<topic>.retry`` carries ``postroom.retry.not_before``. When the head of a
retry partition is early, the gate seeks the consumer back to it and pauses that
partition; ``release_due`` resumes it once the time has come. Main topics and other
retry partitions are never paused, so a waiting retry holds up nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from postroom.inbox._retry_topic import now_ms, retry_state

__all__ = ["RetryGate"]


class RetryGate:
    """Pauses of retry partitions, each until an epoch-ms deadline."""

    def __init__(self, consumer: KafkaConsumer) -> None:
        self._consumer = consumer
        self._paused: dict[TopicPartition, int] = {}

    def hold_if_early(self, partition: TopicPartition, record: Any) -> bool:
        """Pause ``partition`` at ``record`` if it is not due yet; True if paused."""
        due = retry_state(record).not_before_ms
        if due <= now_ms():
            return False
        self._consumer.seek(partition, record.offset)
        self._consumer.pause(partition)
        self._paused[partition] = due
        return True

    def release_due(self) -> None:
        """Resume every paused partition whose head is due now."""
        now = now_ms()
        due = [tp for tp, at in self._paused.items() if at <= now]
        for partition in due:
            del self._paused[partition]
        if due:
            self._consumer.resume(*due)

    def poll_timeout(self, timeout_ms: int) -> int:
        """``timeout_ms``, shortened so the next poll returns when a pause ends."""
        if not self._paused:
            return timeout_ms
        return max(0, min(timeout_ms, min(self._paused.values()) - now_ms()))

    def forget(self, partitions: Iterable[TopicPartition]) -> None:
        """Drop pauses of partitions this worker no longer owns (after a revoke)."""
        for partition in partitions:
            self._paused.pop(partition, None)
