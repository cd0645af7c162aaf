"""Outbox and inbox tables.

Revision ID: 0001
Revises:
Create Date: 2026-11-23

Both are new tables: creating them takes no lock on any existing table. The outbox's name
and its extra header columns come from ``MigrationSettings`` (see docs/migrations.md).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from postroom.migrations._revision_context import migration_settings

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    settings = migration_settings()
    op.create_table(
        settings.outbox_table,
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
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
        *(sa.Column(name, sa.Text, nullable=True) for name in settings.extra_header_columns),
        schema=settings.schema,
    )
    op.create_table(
        "inbox_message",
        sa.Column("consumer", sa.Text, primary_key=True),
        sa.Column("message_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("topic", sa.Text, nullable=False),
        sa.Column("partition", sa.Integer, nullable=False),
        sa.Column("offset", sa.BigInteger, nullable=False),
        sa.Column(
            "received_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        schema=settings.schema,
    )


def downgrade() -> None:
    settings = migration_settings()
    op.drop_table("inbox_message", schema=settings.schema)
    op.drop_table(settings.outbox_table, schema=settings.schema)
