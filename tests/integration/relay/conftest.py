"""Helpers for the relay's integration tests: read back what the relay produced."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from kafka import KafkaConsumer, TopicPartition


@dataclass(frozen=True)
class Produced:
    """One record as a consumer sees it."""

    topic: str
    partition: int
    key: bytes | None
    value: bytes | None
    headers: dict[str, bytes]


def read_topic(bootstrap_servers: str, topic: str, *, idle_s: float = 1.0) -> list[Produced]:
    """Every record on ``topic`` from the beginning, in partition order."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        enable_auto_commit=False,
        consumer_timeout_ms=int(idle_s * 1000),
        fetch_max_wait_ms=50,
    )
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        if not partitions:
            return []
        consumer.assign([TopicPartition(topic, p) for p in sorted(partitions)])
        consumer.seek_to_beginning()
        return [Produced(r.topic, r.partition, r.key, r.value, dict(r.headers)) for r in consumer]
    finally:
        consumer.close()


def wait_for_ids(
    bootstrap_servers: str,
    topic: str,
    ids: set[uuid.UUID],
    *,
    copies: int = 1,
    timeout: float = 60.0,
) -> list[Produced]:
    """Read ``topic`` until each id in ``ids`` was seen ``copies`` times; return those records."""
    wanted = {str(i).encode() for i in ids}
    deadline = time.monotonic() + timeout
    found: list[Produced] = []
    while time.monotonic() < deadline:
        found = [r for r in read_topic(bootstrap_servers, topic) if r.headers.get("id") in wanted]
        counts = {i: 0 for i in wanted}
        for record in found:
            counts[record.headers["id"]] += 1
        if all(n >= copies for n in counts.values()):
            return found
        time.sleep(0.2)
    raise AssertionError(f"not every id reached {topic} {copies} time(s) within {timeout} s")
