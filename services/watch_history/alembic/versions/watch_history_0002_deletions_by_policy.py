"""watch-history: watches may be deleted by retention or erasure, never updated.

Revision ID: watch_history_0002
Revises: watch_history_0001
Create Date: 2026-11-24

The append-only trigger keeps refusing every UPDATE, and refuses a DELETE unless the
transaction says why (``SET LOCAL watch_history.deletion = 'retention'`` or
``'erasure'``; ``watch_history.allow_deletion``): the history is still never rewritten,
but a retention policy or a user's erasure can remove rows. An index on ``watched_at``
serves the retention query. ``CREATE OR REPLACE FUNCTION`` and a new index on a table
only appended to: brief locks.
"""

from __future__ import annotations

from alembic import op

revision = "watch_history_0002"
down_revision = "watch_history_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE OR REPLACE FUNCTION watch_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' AND coalesce(current_setting('watch_history.deletion', true), '')
                    IN ('retention', 'erasure') THEN
                RETURN OLD;
            END IF;
            RAISE EXCEPTION 'watch history is append-only: % refused', TG_OP;
        END $$
        """
    )
    op.create_index("ix_watch_watched_at", "watch", ["watched_at"])


def downgrade() -> None:
    op.drop_index("ix_watch_watched_at", table_name="watch")
    op.execute(
        """
        CREATE OR REPLACE FUNCTION watch_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'watch history is append-only: % refused', TG_OP;
        END $$
        """
    )
