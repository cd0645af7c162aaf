"""activity: the per-user activity summary.

Revision ID: activity_0001
Revises:
Create Date: 2026-11-23

A new table: no lock on anything that exists.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "activity_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_activity",
        sa.Column("user_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("display_name", sa.Text, nullable=True),
        sa.Column("status", sa.Text, nullable=True),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("titles_watched", sa.Integer, nullable=False, server_default="0"),
        sa.Column("seconds_watched", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("last_title", sa.Text, nullable=True),
        sa.Column("last_watched_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("user_activity")
