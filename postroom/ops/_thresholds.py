"""When a flow counts as stuck: the limits ``postroom lag --check`` and the status page use.

The defaults suit the relay's defaults (a heartbeat every 10 s, a probe every 10 s); every
limit is a command-line option of ``postroom lag`` and ``postroom monitor``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from postroom.errors import ConfigurationError

__all__ = ["Thresholds"]


@dataclass(frozen=True, kw_only=True)
class Thresholds:
    """Limits beyond which a flow is reported as a problem (each one line)."""

    #: WAL a slot may pin (``restart_lsn`` to now) before its database's disk is at risk.
    max_retained_wal_bytes: int = 1024**3
    #: WAL written since the relay last confirmed a position (its confirmed-flush lag).
    max_confirmed_flush_lag_bytes: int = 256 * 1024**2
    #: Seconds since the relay's last heartbeat reached Kafka.
    max_heartbeat_age_s: float = 60.0
    #: Seconds from a probe's commit to a consumer seeing it.
    max_probe_latency_s: float = 10.0
    #: Records a consumer group may be behind, summed over its partitions.
    max_group_lag: int = 1000
    #: Records parked on a group's dead-letter topics.
    max_dead_letters: int = 0

    def __post_init__(self) -> None:
        for item in fields(self):
            if getattr(self, item.name) < 0:
                raise ConfigurationError(
                    f"{item.name} must be >= 0, got {getattr(self, item.name)}"
                )
