"""Outbox and inbox tables.

Revision ID: 0001
Revises:
Create Date: 2026-11-23

Both are new tables: creating them takes no lock on any existing table.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _schema() -> str | None:
    schema: str | None = op.get_context().config.attributes.get("schema")  # type: ignore[union-attr]
    return schema


def upgrade() -> None:
    schema = _schema()
    op.create_table(
        "outbox",
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
        schema=schema,
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
        schema=schema,
    )


def downgrade() -> None:
    schema = _schema()
    op.drop_table("inbox_message", schema=schema)
    op.drop_table("outbox", schema=schema)
