"""One picture of every flow, from each source database to each consumer group.

A ``LagReport`` holds what was measured, nothing derived from elsewhere: per source
(one relay connector, one database) its slot, heartbeat age, probe latency and Kafka
Connect state; per consumer group its state, lag per partition and dead letters.
``problems`` turns it into one line per flow that crossed a ``Thresholds`` limit, each
naming the relay and database, or the group, where events are stuck.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from postroom.connectors import SlotInfo
from postroom.ops._group_lag import GroupLag
from postroom.ops._thresholds import Thresholds

__all__ = ["DeadLetterDepth", "GroupReport", "LagReport", "SourceReport"]


@dataclass(frozen=True)
class SourceReport:
    """One source database and the relay connector reading it."""

    name: str
    database: str
    slot_name: str
    slot: SlotInfo | None
    heartbeat_age_s: float | None
    heartbeats_enabled: bool
    probe_latency_s: float | None
    probed: bool
    connect_state: dict[str, Any] | None = None

    @property
    def where(self) -> str:
        return f"relay {self.name} (database {self.database})"

    def problems(self, limits: Thresholds) -> list[str]:
        found: list[str] = []
        slot = self.slot
        if slot is None:
            found.append(f"slot {self.slot_name} does not exist")
        else:
            if not slot.active:
                found.append(f"slot {self.slot_name} is not being read")
            if slot.retained_bytes > limits.max_retained_wal_bytes:
                found.append(
                    f"slot {self.slot_name} retains {slot.retained_bytes:,} B of WAL "
                    f"(max {limits.max_retained_wal_bytes:,})"
                )
            if slot.unconsumed_bytes > limits.max_confirmed_flush_lag_bytes:
                found.append(
                    f"{slot.unconsumed_bytes:,} B of WAL not confirmed "
                    f"(max {limits.max_confirmed_flush_lag_bytes:,})"
                )
        if self.heartbeats_enabled:
            if self.heartbeat_age_s is None:
                found.append("no heartbeat on Kafka yet")
            elif self.heartbeat_age_s > limits.max_heartbeat_age_s:
                found.append(
                    f"last heartbeat {self.heartbeat_age_s:.0f} s ago "
                    f"(max {limits.max_heartbeat_age_s:.0f} s)"
                )
        if self.probed:
            if self.probe_latency_s is None:
                found.append("probe event not seen on Kafka")
            elif self.probe_latency_s > limits.max_probe_latency_s:
                found.append(
                    f"probe took {self.probe_latency_s:.1f} s "
                    f"(max {limits.max_probe_latency_s:.1f} s)"
                )
        if self.connect_state is not None:
            states = [self.connect_state.get("connector", {}).get("state", "UNKNOWN")]
            states += [task.get("state", "UNKNOWN") for task in self.connect_state["tasks"]]
            if any(state != "RUNNING" for state in states) or len(states) < 2:
                found.append(f"Kafka Connect connector/tasks {'/'.join(states)}")
        return [f"{self.where}: {'; '.join(found)}"] if found else []


@dataclass(frozen=True)
class DeadLetterDepth:
    """Records parked on one dead-letter topic, and when the oldest was parked."""

    topic: str
    depth: int
    oldest_age_s: float | None


@dataclass(frozen=True)
class GroupReport:
    """One consumer group: its lag and its dead letters."""

    lag: GroupLag
    dead_letters: tuple[DeadLetterDepth, ...]

    @property
    def dead_letter_depth(self) -> int:
        return sum(d.depth for d in self.dead_letters)

    def problems(self, limits: Thresholds) -> list[str]:
        found: list[str] = []
        if self.lag.lag > limits.max_group_lag:
            behind = sorted({p.topic for p in self.lag.partitions if p.lag})
            found.append(
                f"{self.lag.lag:,} records behind (max {limits.max_group_lag:,}) on "
                f"{', '.join(behind)}; group state {self.lag.state}"
            )
        if self.dead_letter_depth > limits.max_dead_letters:
            topics = ", ".join(d.topic for d in self.dead_letters if d.depth)
            found.append(
                f"{self.dead_letter_depth} dead letter(s) on {topics} "
                f"(max {limits.max_dead_letters})"
            )
        return [f"consumer group {self.lag.group}: {'; '.join(found)}"] if found else []


@dataclass(frozen=True)
class LagReport:
    """Every flow at one moment."""

    taken_at: datetime
    sources: tuple[SourceReport, ...]
    groups: tuple[GroupReport, ...]
    errors: tuple[str, ...] = field(default=())

    def problems(self, limits: Thresholds) -> list[str]:
        """One line per flow over a limit (and per measurement that failed)."""
        found = [line for source in self.sources for line in source.problems(limits)]
        found += [line for group in self.groups for line in group.problems(limits)]
        return found + list(self.errors)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: what ``postroom lag --json`` prints."""
        return {
            "taken_at": self.taken_at.isoformat(),
            "sources": [
                {**asdict(s), "slot": s.slot.as_dict() if s.slot else None} for s in self.sources
            ],
            "groups": [
                {
                    "group": g.lag.group,
                    "state": g.lag.state,
                    "members": g.lag.members,
                    "lag": g.lag.lag,
                    "partitions": [asdict(p) for p in g.lag.partitions],
                    "dead_letters": [asdict(d) for d in g.dead_letters],
                    "dead_letter_depth": g.dead_letter_depth,
                }
                for g in self.groups
            ],
            "errors": list(self.errors),
        }
