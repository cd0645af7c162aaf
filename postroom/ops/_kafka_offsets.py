"""Read offsets and record times from Kafka without joining any consumer group.

One ``KafkaConsumer`` (no ``group_id``) answers "where does this partition end", "where
does it start" and "when was its first/last record written" for every measurement; the
broker's own numbers, read with Apache Kafka's ListOffsets API.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from kafka import KafkaConsumer, TopicPartition

from postroom.kafka_security import kafka_security

__all__ = ["OffsetReader"]


class OffsetReader:
    """Partition ends, starts and record timestamps of topics, read without a group."""

    def __init__(self, bootstrap_servers: str, *, client_id: str = "postroom-lag") -> None:
        self._consumer = KafkaConsumer(
            bootstrap_servers=bootstrap_servers,
            **kafka_security(None).kafka_python(),
            client_id=client_id,
            enable_auto_commit=False,
            fetch_max_wait_ms=50,
            request_timeout_ms=10_000,
        )

    def partitions(self, topic: str) -> list[TopicPartition]:
        """The topic's partitions; none if the topic does not exist."""
        found = self._consumer.partitions_for_topic(topic) or set()
        return [TopicPartition(topic, p) for p in sorted(found)]

    def end_offsets(self, partitions: Iterable[TopicPartition]) -> dict[TopicPartition, int]:
        wanted = list(partitions)
        return dict(self._consumer.end_offsets(wanted)) if wanted else {}

    def beginning_offsets(self, partitions: Iterable[TopicPartition]) -> dict[TopicPartition, int]:
        wanted = list(partitions)
        return dict(self._consumer.beginning_offsets(wanted)) if wanted else {}

    def record_time(self, partition: TopicPartition, offset: int) -> datetime | None:
        """When the record at ``offset`` was written (its Kafka timestamp), if it is there."""
        self._consumer.assign([partition])
        self._consumer.seek(partition, offset)
        batches = self._consumer.poll(timeout_ms=2000, max_records=1)
        for record in batches.get(partition, []):
            return datetime.fromtimestamp(record.timestamp / 1000, UTC)
        return None

    def last_record_time(self, topic: str) -> datetime | None:
        """When the newest record of ``topic`` (over all its partitions) was written."""
        newest: datetime | None = None
        for partition, end in self.end_offsets(self.partitions(topic)).items():
            if end > 0:
                moment = self.record_time(partition, end - 1)
                if moment is not None and (newest is None or moment > newest):
                    newest = moment
        return newest

    def close(self) -> None:
        self._consumer.close()
