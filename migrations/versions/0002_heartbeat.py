"""Heartbeat table for Debezium's ``heartbeat.action.query``.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

A new one-row table: creating it takes no lock on any existing table.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from postroom.migrations._revision_context import migration_settings

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _schema() -> str | None:
    return migration_settings().schema


def upgrade() -> None:
    op.create_table(
        "postroom_heartbeat",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("beat_at", sa.DateTime(timezone=True), nullable=False),
        schema=_schema(),
    )


def downgrade() -> None:
    op.drop_table("postroom_heartbeat", schema=_schema())
