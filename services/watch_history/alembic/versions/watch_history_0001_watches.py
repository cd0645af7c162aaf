"""watch-history: append-only watches, and the users it knows of.

Revision ID: watch_history_0001
Revises:
Create Date: 2026-11-23

New tables only: no lock on anything that exists. A trigger refuses UPDATE and DELETE
on ``watch``: the history is appended, never rewritten.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "watch_history_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "watch",
        sa.Column("watch_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("user_id", UUID(as_uuid=True), nullable=False),
        sa.Column("title_id", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("seconds", sa.Integer, nullable=False),
        sa.Column("watched_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("seconds > 0", name="watch_seconds_positive"),
    )
    op.create_index("ix_watch_user_id", "watch", ["user_id"])
    op.execute(
        """
        CREATE FUNCTION watch_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'watch history is append-only: % refused', TG_OP;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER watch_append_only BEFORE UPDATE OR DELETE ON watch "
        "FOR EACH ROW EXECUTE FUNCTION watch_is_append_only()"
    )
    op.create_table(
        "known_user",
        sa.Column("user_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("status", sa.Text, nullable=True),
        sa.Column("display_name", sa.Text, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("known_user")
    op.execute("DROP TRIGGER watch_append_only ON watch")
    op.execute("DROP FUNCTION watch_is_append_only()")
    op.drop_index("ix_watch_user_id", table_name="watch")
    op.drop_table("watch")
