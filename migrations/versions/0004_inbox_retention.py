"""Index inbox rows by arrival time, for retention's batched deletes.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23

``CREATE INDEX`` holds a SHARE lock on ``inbox_message`` (inserts wait) while it builds.
On a large inbox, build it first by hand without blocking writers, then migrate (the
migration is a no-op when the index exists):

    CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_inbox_message_received_at
        ON inbox_message (received_at);
"""

from __future__ import annotations

from alembic import op

from postroom.migrations._revision_context import migration_settings

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _schema() -> str | None:
    return migration_settings().schema


def upgrade() -> None:
    op.create_index(
        "ix_inbox_message_received_at",
        "inbox_message",
        ["received_at"],
        schema=_schema(),
        if_not_exists=True,
    )


def downgrade() -> None:
    op.drop_index("ix_inbox_message_received_at", table_name="inbox_message", schema=_schema())
