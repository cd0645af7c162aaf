"""watch-history's own tables: appended watches (never updated in place) and a local read
model of the users it serves (status and display name, from events)."""

from __future__ import annotations

from typing import Literal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["DeletionReason", "allow_deletion", "known_user", "metadata", "watch"]

metadata = sa.MetaData()

watch = sa.Table(
    "watch",
    metadata,
    sa.Column("watch_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("user_id", UUID(as_uuid=True), nullable=False, index=True),
    sa.Column("title_id", sa.Text, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("seconds", sa.Integer, nullable=False),
    sa.Column("watched_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.CheckConstraint("seconds > 0", name="watch_seconds_positive"),
)

DeletionReason = Literal["retention", "erasure"]


async def allow_deletion(session: AsyncSession, reason: DeletionReason) -> None:
    """Let this transaction delete watches (the append-only trigger refuses otherwise;
    updates stay refused): ``retention`` or ``erasure``."""
    if reason not in ("retention", "erasure"):
        raise ValueError(f"watches are deleted for retention or erasure, not {reason!r}")
    await session.execute(sa.text(f"SET LOCAL watch_history.deletion = '{reason}'"))


# From auth's (status) and users' (display name) events: requests never call them.
known_user = sa.Table(
    "known_user",
    metadata,
    sa.Column("user_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("status", sa.Text, nullable=True),
    sa.Column("display_name", sa.Text, nullable=True),
)
