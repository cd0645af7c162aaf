"""activity's one table: a denormalised summary per user, answering one screen's query."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID

__all__ = ["metadata", "user_activity"]

metadata = sa.MetaData()

# Every column comes from an event (no wall-clock values): a rebuild by replay yields
# the very same rows.
user_activity = sa.Table(
    "user_activity",
    metadata,
    sa.Column("user_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("display_name", sa.Text, nullable=True),
    sa.Column("status", sa.Text, nullable=True),
    sa.Column("registered_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("titles_watched", sa.Integer, nullable=False, server_default="0"),
    sa.Column("seconds_watched", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("last_title", sa.Text, nullable=True),
    sa.Column("last_watched_at", sa.DateTime(timezone=True), nullable=True),
)
