"""Partition upkeep for the ``retain`` outbox mode: create ahead, drop old, never DELETE.

Rows of ``outbox_retained`` live in one partition per UTC day
(``outbox_retained_p20261123``) plus a DEFAULT partition that catches anything outside the
prepared days, so an insert never fails for want of a partition. Old days leave by
``DROP TABLE`` of their partition: instant, no dead tuples, no vacuum debt. Run
``maintain_retained_outbox`` daily (cron, or the relay's operator loop).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from postroom.errors import OutboxConfigError
from postroom.outbox._table import RETAINED_OUTBOX_TABLE

__all__ = ["create_retained_partitions", "drop_retained_partitions", "maintain_retained_outbox"]

_SUFFIX = re.compile(r"_p(\d{8})$")


def _qualified(name: str, schema: str | None) -> str:
    return f'"{schema}"."{name}"' if schema else f'"{name}"'


def create_retained_partitions(
    connection: sa.Connection,
    *,
    start: date | None = None,
    days: int = 7,
    table: str = RETAINED_OUTBOX_TABLE,
    schema: str | None = None,
) -> list[str]:
    """Create the daily partitions for ``start`` (default: today, UTC) and the next days.

    Existing partitions are left alone. Returns the names of the partitions created.
    """
    if days < 1:
        raise OutboxConfigError(f"days must be at least 1, got {days}")
    first = start or datetime.now(UTC).date()
    created = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        name = f"{table}_p{day:%Y%m%d}"
        exists = connection.execute(
            sa.text("SELECT to_regclass(:name)"),
            {"name": f"{schema}.{name}" if schema else name},
        ).scalar()
        if exists:
            continue
        connection.execute(
            sa.text(
                f"CREATE TABLE {_qualified(name, schema)} PARTITION OF {_qualified(table, schema)} "
                f"FOR VALUES FROM ('{day.isoformat()} 00:00:00+00') "
                f"TO ('{(day + timedelta(days=1)).isoformat()} 00:00:00+00')"
            )
        )
        created.append(name)
    return created


def drop_retained_partitions(
    connection: sa.Connection,
    *,
    older_than: datetime,
    table: str = RETAINED_OUTBOX_TABLE,
    schema: str | None = None,
) -> list[str]:
    """Drop every daily partition whose whole day ends at or before ``older_than``."""
    if older_than.tzinfo is None:
        raise OutboxConfigError("older_than must be a timezone-aware datetime")
    partitions = connection.execute(
        sa.text(
            "SELECT child.relname FROM pg_inherits "
            "JOIN pg_class child ON child.oid = pg_inherits.inhrelid "
            "JOIN pg_class parent ON parent.oid = pg_inherits.inhparent "
            "JOIN pg_namespace ns ON ns.oid = parent.relnamespace "
            "WHERE parent.relname = :table AND ns.nspname = coalesce(:schema, current_schema())"
        ),
        {"table": table, "schema": schema},
    ).scalars()
    dropped = []
    for name in sorted(partitions):
        match = _SUFFIX.search(name)
        if not match:
            continue  # the DEFAULT partition, or one made by hand: not ours to drop
        day_end = datetime.strptime(match.group(1), "%Y%m%d").replace(tzinfo=UTC)
        if day_end + timedelta(days=1) <= older_than:
            connection.execute(sa.text(f"DROP TABLE {_qualified(name, schema)}"))
            dropped.append(name)
    return dropped


def maintain_retained_outbox(
    connection: sa.Connection,
    *,
    retention: timedelta = timedelta(days=30),
    days_ahead: int = 7,
    table: str = RETAINED_OUTBOX_TABLE,
    schema: str | None = None,
    now: datetime | None = None,
) -> tuple[list[str], list[str]]:
    """Create the coming days' partitions and drop those past ``retention``."""
    if retention <= timedelta(0):
        raise OutboxConfigError(f"retention must be positive, got {retention}")
    moment = now or datetime.now(UTC)
    created = create_retained_partitions(
        connection, start=moment.date(), days=days_ahead, table=table, schema=schema
    )
    dropped = drop_retained_partitions(
        connection, older_than=moment - retention, table=table, schema=schema
    )
    return created, dropped
