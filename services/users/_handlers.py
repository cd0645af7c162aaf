"""users' inbox: profiles kept in step with auth's events (created, email changed,
deactivated, deleted). A new profile announces its display name (``ProfileUpdated``) so
that services reading profiles learn every name from one topic, in order."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from postroom.inbox import HandlerRegistry, InboxMessage
from postroom.outbox import wire
from postroom.services.events import (
    PasswordChanged,
    UserDeactivated,
    UserRegistered,
    catalog,
    publish_event,
)
from postroom.services.users._shredding import profile_updated
from postroom.services.users._tables import profile

__all__ = ["TOPICS", "registry"]

TOPICS = (wire.topic_for(UserRegistered.aggregate_type),)

registry = HandlerRegistry()
catalog.install_upcasters(registry)
registry.ignore(PasswordChanged.event_type)


@registry.on(UserRegistered.event_type, version=UserRegistered.schema_version)
async def on_registration(session: AsyncSession, message: InboxMessage) -> None:
    event = UserRegistered.model_validate(message.payload)
    where = profile.c.user_id == event.user_id
    if event.action == "create" and event.email is not None:
        display_name = event.email.split("@")[0][:100]
        created = await session.execute(
            insert(profile)
            .values(
                user_id=event.user_id,
                email=event.email,
                display_name=display_name,
                registered_at=message.timestamp,
            )
            .on_conflict_do_nothing()
            .returning(profile.c.user_id)
        )
        if created.first() is not None:
            await publish_event(
                session,
                await profile_updated(session, event.user_id, display_name),
                causation_id=str(message.id),
            )
    elif event.action == "update" and event.email is not None:
        await session.execute(profile.update().where(where).values(email=event.email))
    elif event.action == "delete":
        await session.execute(profile.delete().where(where))


@registry.on(UserDeactivated.event_type, version=UserDeactivated.schema_version)
async def on_deactivation(session: AsyncSession, message: InboxMessage) -> None:
    event = UserDeactivated.model_validate(message.payload)
    await session.execute(
        profile.update().where(profile.c.user_id == event.user_id).values(status="deactivated")
    )
