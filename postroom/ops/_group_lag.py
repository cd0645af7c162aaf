"""How far a consumer group is behind, per partition, from Apache Kafka's admin API.

Lag of a partition = its end offset (ListOffsets) minus the group's committed offset
(OffsetFetch); the group's state and members come from DescribeGroups. A partition the
group never committed counts from the partition's first offset: all of it is unread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kafka import TopicPartition
from kafka.admin import KafkaAdminClient

from postroom.ops._kafka_offsets import OffsetReader

__all__ = ["GroupLag", "PartitionLag", "measure_group"]


@dataclass(frozen=True)
class PartitionLag:
    """One partition of a group's topics: where it ends, where the group is."""

    topic: str
    partition: int
    end_offset: int
    committed: int | None
    lag: int


@dataclass(frozen=True)
class GroupLag:
    """A consumer group: its state (``Stable``, ``Empty``, ``Dead``, ...), members and lag."""

    group: str
    state: str
    members: int
    partitions: tuple[PartitionLag, ...]

    @property
    def lag(self) -> int:
        return sum(p.lag for p in self.partitions)

    @property
    def topics(self) -> list[str]:
        return sorted({p.topic for p in self.partitions})


def _describe(admin: KafkaAdminClient, group: str) -> tuple[str, int]:
    try:
        described: Any = admin.describe_groups([group])
    except Exception as exc:  # the coordinator may not know the group yet
        return f"unknown ({type(exc).__name__})", 0
    info = described[group] if isinstance(described, dict) else described[0]
    if not isinstance(info, dict):
        info = info._asdict() if hasattr(info, "_asdict") else vars(info)
    members = info.get("members") or []
    return str(info.get("group_state") or info.get("state") or "unknown"), len(members)


def measure_group(
    admin: KafkaAdminClient, reader: OffsetReader, group: str, topics: tuple[str, ...] = ()
) -> GroupLag:
    """Lag of ``group`` on every partition of ``topics`` (default: the topics it committed on)."""
    state, members = _describe(admin, group)
    committed: dict[TopicPartition, Any] = dict(admin.list_group_offsets({group: None})[group])
    # Every partition of every topic the group reads: a partition it never committed on
    # (no record of it handled yet) is behind by all it holds.
    partitions: set[TopicPartition] = set()
    for topic in set(topics or {tp.topic for tp in committed}):
        partitions.update(reader.partitions(topic))
    ends = reader.end_offsets(partitions)
    unread = [tp for tp in partitions if tp not in committed]
    starts = reader.beginning_offsets(unread)
    rows = []
    for tp in sorted(partitions):
        end = ends.get(tp, 0)
        offset = committed[tp].offset if tp in committed else None
        position = offset if offset is not None and offset >= 0 else starts.get(tp, 0)
        rows.append(PartitionLag(tp.topic, tp.partition, end, offset, max(0, end - position)))
    return GroupLag(group, state, members, tuple(rows))
