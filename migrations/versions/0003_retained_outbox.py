"""Time-partitioned outbox for the ``retain`` mode.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

``outbox_retained`` is range-partitioned by ``timestamp`` (one partition per UTC day, see
``outbox._retained``) with a DEFAULT partition so an insert never lacks a partition.
New tables only: no lock on any existing table.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from postroom.migrations._revision_context import migration_settings

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _schema() -> str | None:
    return migration_settings().schema


def upgrade() -> None:
    from postroom.outbox import create_retained_partitions

    schema = _schema()
    op.create_table(
        "outbox_retained",
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("aggregatetype", sa.Text, nullable=False),
        sa.Column("aggregateid", sa.Text, nullable=False),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("payload", JSONB, nullable=True),
        sa.Column("timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("schemaversion", sa.Integer, nullable=False, server_default="1"),
        sa.Column("tracingspancontext", sa.Text, nullable=True),
        sa.Column("correlationid", sa.Text, nullable=True),
        sa.Column("causationid", sa.Text, nullable=True),
        sa.Column("subjectid", sa.Text, nullable=True),
        sa.Column("tenant", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", "timestamp", name="outbox_retained_pkey"),
        schema=schema,
        postgresql_partition_by='RANGE ("timestamp")',
    )
    target = f'"{schema}".' if schema else ""
    op.execute(
        f"CREATE TABLE {target}outbox_retained_default PARTITION OF {target}outbox_retained DEFAULT"
    )
    if op.get_context().as_sql:
        # Offline (--sql): no connection to ask which partitions exist; the DEFAULT
        # partition takes every row until `maintain_retained_outbox` adds daily ones.
        return
    create_retained_partitions(op.get_bind(), start=datetime.now(UTC).date(), days=7, schema=schema)


def downgrade() -> None:
    op.drop_table("outbox_retained", schema=_schema())
