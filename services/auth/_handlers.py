"""auth's inbox: what authz granted each user (``RolesChanged``), for the tokens it issues."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from postroom.inbox import HandlerRegistry, InboxMessage
from postroom.outbox import wire
from postroom.services.auth._tables import account_permissions
from postroom.services.events import RolesChanged, catalog

__all__ = ["TOPICS", "registry"]

TOPICS = (wire.topic_for(RolesChanged.aggregate_type),)

registry = HandlerRegistry()
catalog.install_upcasters(registry)


@registry.on(RolesChanged.event_type, version=RolesChanged.schema_version)
async def keep_permissions(session: AsyncSession, message: InboxMessage) -> None:
    event = RolesChanged.model_validate(message.payload)
    values = {
        "roles": event.roles,
        "permissions": event.permissions,
        "source_event_id": message.id,
    }
    await session.execute(
        insert(account_permissions)
        .values(user_id=event.user_id, **values)
        .on_conflict_do_update(index_elements=["user_id"], set_=values)
    )
