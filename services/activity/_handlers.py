"""activity's inbox: three services' events folded into one row per user.

Each topic is ordered per user, but the topics are not ordered with each other, so every
handler is an upsert that touches only the columns its topic owns (status: auth's,
display name: users', totals: watch-history's). Any interleaving, including a replay
from the earliest offset, folds to the same row; the inbox makes each event count once.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from postroom.inbox import HandlerRegistry, InboxMessage
from postroom.outbox import wire
from postroom.services.activity._tables import user_activity
from postroom.services.events import (
    PasswordChanged,
    ProfileUpdated,
    TitleWatched,
    UserDeactivated,
    UserRegistered,
    WatchExpired,
    catalog,
)

__all__ = ["CONSUMER", "TOPICS", "registry"]

CONSUMER = "activity"
TOPICS = tuple(
    wire.topic_for(contract.aggregate_type)
    for contract in (UserRegistered, ProfileUpdated, TitleWatched)
)

registry = HandlerRegistry()
catalog.install_upcasters(registry)
registry.ignore(PasswordChanged.event_type)

_row = user_activity.c


async def _upsert(session: AsyncSession, user_id: uuid.UUID, **values: Any) -> None:
    await session.execute(
        insert(user_activity)
        .values(user_id=user_id, **values)
        .on_conflict_do_update(index_elements=["user_id"], set_=values)
    )


@registry.on(UserRegistered.event_type, version=UserRegistered.schema_version)
async def on_registration(session: AsyncSession, message: InboxMessage) -> None:
    event = UserRegistered.model_validate(message.payload)
    if event.action == "create":
        await _upsert(session, event.user_id, status="active", registered_at=message.timestamp)
    elif event.action == "delete":
        await _upsert(session, event.user_id, status="deleted")


@registry.on(UserDeactivated.event_type, version=UserDeactivated.schema_version)
async def on_deactivation(session: AsyncSession, message: InboxMessage) -> None:
    event = UserDeactivated.model_validate(message.payload)
    await _upsert(session, event.user_id, status="deactivated")


@registry.on(ProfileUpdated.event_type, version=ProfileUpdated.schema_version)
async def on_profile(session: AsyncSession, message: InboxMessage) -> None:
    event = ProfileUpdated.model_validate(message.payload)
    await _upsert(session, event.user_id, display_name=event.display_name)


@registry.on(TitleWatched.event_type, version=TitleWatched.schema_version)
async def on_watch(session: AsyncSession, message: InboxMessage) -> None:
    event = TitleWatched.model_validate(message.payload)
    later = sa.or_(_row.last_watched_at.is_(None), _row.last_watched_at <= event.watched_at)
    await session.execute(
        insert(user_activity)
        .values(
            user_id=event.user_id,
            titles_watched=1,
            seconds_watched=event.seconds,
            last_title=event.title,
            last_watched_at=event.watched_at,
        )
        .on_conflict_do_update(
            index_elements=["user_id"],
            set_={
                "titles_watched": _row.titles_watched + 1,
                "seconds_watched": _row.seconds_watched + event.seconds,
                "last_title": sa.case((later, event.title), else_=_row.last_title),
                "last_watched_at": sa.func.greatest(_row.last_watched_at, event.watched_at),
            },
        )
    )


@registry.on(WatchExpired.event_type, version=WatchExpired.schema_version)
async def on_watch_expired(session: AsyncSession, message: InboxMessage) -> None:
    """A watch left watch-history's retention window: it no longer counts. The last
    title goes too if it was that watch (the next watch, if any, sets it again)."""
    event = WatchExpired.model_validate(message.payload)
    was_last = _row.last_watched_at <= event.watched_at
    await session.execute(
        user_activity.update()
        .where(_row.user_id == event.user_id)
        .values(
            titles_watched=sa.func.greatest(_row.titles_watched - 1, 0),
            seconds_watched=sa.func.greatest(_row.seconds_watched - event.seconds, 0),
            last_title=sa.case((was_last, None), else_=_row.last_title),
            last_watched_at=sa.case((was_last, None), else_=_row.last_watched_at),
        )
    )
