"""The heartbeat table Debezium's ``heartbeat.action.query`` upserts into.

A quiet service database writes no outbox rows, so its replication slot would never
confirm newer WAL and PostgreSQL would retain WAL for the busier databases on the same
server forever. Every ``heartbeat.interval.ms`` the connector upserts the one row of this
table, which gives it a change of its own to acknowledge, and the slot advances.
"""

from __future__ import annotations

import sqlalchemy as sa

from postroom.connectors._connector_config import DEFAULT_HEARTBEAT_TABLE

__all__ = ["heartbeat_table"]


def heartbeat_table(
    metadata: sa.MetaData, *, name: str = DEFAULT_HEARTBEAT_TABLE, schema: str | None = None
) -> sa.Table:
    """Define the heartbeat table (one row, ``id = 1``) in ``metadata``."""
    return sa.Table(
        name,
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("beat_at", sa.DateTime(timezone=True), nullable=False),
        schema=schema,
    )
