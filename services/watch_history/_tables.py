"""watch-history's own tables: appended watches (never updated in place) and a local read
model of the users it serves (status and display name, from events)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID

__all__ = ["known_user", "metadata", "watch"]

metadata = sa.MetaData()

watch = sa.Table(
    "watch",
    metadata,
    sa.Column("watch_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("user_id", UUID(as_uuid=True), nullable=False, index=True),
    sa.Column("title_id", sa.Text, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("seconds", sa.Integer, nullable=False),
    sa.Column("watched_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("seconds > 0", name="watch_seconds_positive"),
)

# From auth's (status) and users' (display name) events: requests never call them.
known_user = sa.Table(
    "known_user",
    metadata,
    sa.Column("user_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("status", sa.Text, nullable=True),
    sa.Column("display_name", sa.Text, nullable=True),
)
