"""watch-history's retention policy: watches older than a horizon are deleted, each with
a ``WatchExpired`` event in the same transaction, so activity's totals and the reporting
store drop them too (nothing is deleted behind the consumers' backs)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from postroom.privacy import RetentionPolicy, RetentionSchedule, expire_async
from postroom.services.events import WatchExpired, publish_event
from postroom.services.watch_history._tables import allow_deletion, watch

__all__ = ["expire_watches", "retention_schedule", "watch_retention"]


def watch_retention(older_than: timedelta, *, batch_size: int = 500) -> RetentionPolicy:
    """Watches live ``older_than`` (by ``watched_at``)."""
    return RetentionPolicy(
        table=watch, column="watched_at", older_than=older_than, batch_size=batch_size
    )


async def _announce(session: AsyncSession, rows: Sequence[sa.Row[Any]]) -> None:
    for row in rows:
        expired = WatchExpired(
            watch_id=row.watch_id,
            user_id=row.user_id,
            seconds=row.seconds,
            watched_at=row.watched_at,
        )
        await publish_event(session, expired)


async def expire_watches(session: AsyncSession, policy: RetentionPolicy) -> int:
    """One batch of expired watches, announced and deleted in ``session``'s transaction."""
    await allow_deletion(session, "retention")
    return await expire_async(session, policy, _announce)


def retention_schedule(
    database_url: str, policy: RetentionPolicy, *, interval_s: float
) -> RetentionSchedule:
    """``policy`` applied every ``interval_s`` seconds on ``database_url`` (watch-history's
    role), one committed transaction per batch."""

    async def batch() -> int:
        engine = create_async_engine(database_url, poolclass=sa.NullPool)
        try:
            async with async_sessionmaker(engine)() as session, session.begin():
                return await expire_watches(session, policy)
        finally:
            await engine.dispose()

    return RetentionSchedule(
        lambda: asyncio.run(batch()), interval_s=interval_s, name="watch-history-retention"
    )
