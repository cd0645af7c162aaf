"""authz's inbox: every new account gets the default role; a deactivated or deleted one
loses every role. Each change publishes ``RolesChanged`` from inside the inbox
transaction (so it is published exactly when the message counts as handled)."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from postroom.inbox import HandlerRegistry, InboxMessage
from postroom.outbox import wire
from postroom.services.authz._grants import DEFAULT_ROLE, grant, revoke_all
from postroom.services.authz._tables import subject
from postroom.services.events import PasswordChanged, UserDeactivated, UserRegistered, catalog

__all__ = ["TOPICS", "registry"]

TOPICS = (wire.topic_for(UserRegistered.aggregate_type),)

registry = HandlerRegistry()
catalog.install_upcasters(registry)
registry.ignore(PasswordChanged.event_type)


async def _status(session: AsyncSession, user_id: object, status: str) -> None:
    await session.execute(
        insert(subject)
        .values(user_id=user_id, status=status)
        .on_conflict_do_update(index_elements=["user_id"], set_={"status": status})
    )


@registry.on(UserRegistered.event_type, version=UserRegistered.schema_version)
async def on_registration(session: AsyncSession, message: InboxMessage) -> None:
    event = UserRegistered.model_validate(message.payload)
    if event.action == "create":
        await _status(session, event.user_id, "active")
        await grant(session, event.user_id, DEFAULT_ROLE)
    elif event.action == "delete":
        await _status(session, event.user_id, "deleted")
        await revoke_all(session, event.user_id)


@registry.on(UserDeactivated.event_type, version=UserDeactivated.schema_version)
async def on_deactivation(session: AsyncSession, message: InboxMessage) -> None:
    event = UserDeactivated.model_validate(message.payload)
    await _status(session, event.user_id, "deactivated")
    await revoke_all(session, event.user_id)
