"""watch-history's inbox: the local read model of users. Status comes from auth's topic,
display names from users' topic: each is ordered per user, so the last event wins."""

from __future__ import annotations

import uuid

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from postroom.inbox import HandlerRegistry, InboxMessage
from postroom.outbox import wire
from postroom.services.events import (
    PasswordChanged,
    ProfileUpdated,
    UserDeactivated,
    UserRegistered,
    catalog,
)
from postroom.services.watch_history._tables import known_user

__all__ = ["TOPICS", "registry"]

TOPICS = (
    wire.topic_for(UserRegistered.aggregate_type),
    wire.topic_for(ProfileUpdated.aggregate_type),
)

registry = HandlerRegistry()
catalog.install_upcasters(registry)
registry.ignore(PasswordChanged.event_type)


async def _set(session: AsyncSession, user_id: uuid.UUID, **values: str) -> None:
    await session.execute(
        insert(known_user)
        .values(user_id=user_id, **values)
        .on_conflict_do_update(index_elements=["user_id"], set_=values)
    )


@registry.on(UserRegistered.event_type, version=UserRegistered.schema_version)
async def on_registration(session: AsyncSession, message: InboxMessage) -> None:
    event = UserRegistered.model_validate(message.payload)
    if event.action == "create":
        await _set(session, event.user_id, status="active")
    elif event.action == "delete":
        await _set(session, event.user_id, status="deleted")


@registry.on(UserDeactivated.event_type, version=UserDeactivated.schema_version)
async def on_deactivation(session: AsyncSession, message: InboxMessage) -> None:
    event = UserDeactivated.model_validate(message.payload)
    await _set(session, event.user_id, status="deactivated")


@registry.on(ProfileUpdated.event_type, version=ProfileUpdated.schema_version)
async def on_profile(session: AsyncSession, message: InboxMessage) -> None:
    event = ProfileUpdated.model_validate(message.payload)
    await _set(session, event.user_id, display_name=event.display_name)
