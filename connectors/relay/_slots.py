"""Inspect and drop replication slots safely (``postroom slot list|drop``).

A logical slot pins WAL from its ``restart_lsn`` on: a slot nobody reads fills the disk,
and a slot dropped while it still holds unconsumed changes loses them for its relay.
``SlotInfo.idle_warning`` names a slot with no active reader and the WAL it retains;
``drop_slot`` refuses an active slot, and one with unconsumed WAL unless forced.

Since migrations create each database's slot (``migrations.ensure_capture``), a slot
with no reader is normal until its relay first starts, and a problem after that.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa

from postroom.errors import RelayError, SlotInUseError, UnconsumedWalError

__all__ = ["SlotInfo", "drop_slot", "list_slots"]

_QUERY = """
SELECT slot_name, plugin, database, active, active_pid,
       restart_lsn::text, confirmed_flush_lsn::text,
       coalesce(pg_current_wal_lsn() - restart_lsn, 0)::bigint AS retained_bytes,
       coalesce(pg_current_wal_lsn() - confirmed_flush_lsn, 0)::bigint AS unconsumed_bytes,
       -- PostgreSQL 17+ only; read through jsonb so older servers answer NULL
       to_jsonb(s) ->> 'inactive_since' AS inactive_since
FROM pg_replication_slots s
WHERE slot_type = 'logical' AND (CAST(:name AS text) IS NULL OR slot_name = :name)
ORDER BY slot_name
"""


@dataclass(frozen=True)
class SlotInfo:
    """One logical slot and how much WAL it holds back."""

    slot_name: str
    plugin: str
    database: str
    active: bool
    active_pid: int | None
    restart_lsn: str | None
    confirmed_flush_lsn: str | None
    retained_bytes: int
    unconsumed_bytes: int
    inactive_since: str | None = None

    @property
    def idle_warning(self) -> str | None:
        """For a slot no client reads: that it retains WAL until read or dropped."""
        if self.active:
            return None
        since = f" since {self.inactive_since}" if self.inactive_since else ""
        return (
            f"no active reader{since}: retains {self.retained_bytes:,} bytes of WAL, growing "
            "until its relay reads it; if its outbox is retired, drop it "
            f"(postroom slot drop {self.slot_name})"
        )

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "idle_warning": self.idle_warning}


def _slots(connection: sa.Connection, name: str | None) -> list[SlotInfo]:
    rows = connection.execute(sa.text(_QUERY), {"name": name}).mappings()
    return [SlotInfo(**dict(row)) for row in rows]


def list_slots(database_url: str) -> list[SlotInfo]:
    """Every logical replication slot of the server ``database_url`` points at."""
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            return _slots(connection, None)
    finally:
        engine.dispose()


def drop_slot(database_url: str, name: str, *, force: bool = False) -> SlotInfo:
    """Drop slot ``name``; refuse if it is in use, or holds unconsumed WAL unless ``force``."""
    engine = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            found = _slots(connection, name)
            if not found:
                raise RelayError(f"there is no logical replication slot named {name!r}")
            slot = found[0]
            if slot.active:
                raise SlotInUseError(
                    f"slot {name!r} is being read right now (backend PID {slot.active_pid}): "
                    "stop its relay before dropping it",
                    retriable=False,
                )
            if slot.unconsumed_bytes > 0 and not force:
                raise UnconsumedWalError(
                    f"slot {name!r} still holds {slot.unconsumed_bytes} bytes of WAL its "
                    f"relay has not confirmed (confirmed up to {slot.confirmed_flush_lsn}): "
                    "dropping it loses any outbox events in there for that relay. Start the "
                    "relay to drain it, or pass --force if you are sure"
                )
            connection.execute(sa.text("SELECT pg_drop_replication_slot(:name)"), {"name": name})
            return slot
    finally:
        engine.dispose()
