"""privacy's inbox: the participants' answers, each advancing its saga in the very
transaction that records the message as handled.

An export part is stored only if its answer counted (the first from that service,
before the deadline); a late or repeated one is dropped with the message.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from postroom.inbox import HandlerRegistry, InboxMessage
from postroom.outbox import wire
from postroom.services.events import (
    PRIVACY_REPLY_TYPE,
    UserDataErased,
    UserDataExportPart,
    catalog,
)
from postroom.services.privacy._sagas import COLLECT, ERASE, PrivacySagas
from postroom.services.privacy._tables import export_part

__all__ = ["TOPICS", "registry_for"]

TOPICS = (wire.topic_for(PRIVACY_REPLY_TYPE),)


def registry_for(sagas: PrivacySagas) -> HandlerRegistry:
    """The handlers of privacy's inbox worker, bound to ``sagas``."""
    registry = HandlerRegistry()
    catalog.install_upcasters(registry)

    @registry.on(UserDataErased.event_type, version=UserDataErased.schema_version)
    async def erased(session: AsyncSession, message: InboxMessage) -> None:
        event = UserDataErased.model_validate(message.payload)
        answer = {
            "deleted": event.deleted,
            "anonymised": event.anonymised,
            "message_id": str(message.id),
        }
        await sagas.erasure.reply(session, str(event.request_id), ERASE, event.service, answer)

    @registry.on(UserDataExportPart.event_type, version=UserDataExportPart.schema_version)
    async def exported(session: AsyncSession, message: InboxMessage) -> None:
        event = UserDataExportPart.model_validate(message.payload)
        request_id = str(event.request_id)
        # Stored first: if this answer completes the saga, the archive is made now.
        stored = await session.execute(
            insert(export_part)
            .values(
                request_id=request_id,
                service=event.service,
                content=event.part,
                received_at=sa.func.now(),
            )
            .on_conflict_do_nothing()
            .returning(export_part.c.service)
        )
        inserted = stored.first() is not None
        answer = {
            "tables": {t: len(rows) for t, rows in event.part.items()},
            "message_id": str(message.id),
        }
        state = await sagas.export.reply(session, request_id, COLLECT, event.service, answer)
        counted = state is not None and any(
            (p.reply or {}).get("message_id") == str(message.id)
            for step in state.steps
            for p in step.participants.values()
        )
        if inserted and not counted:
            await session.execute(
                export_part.delete().where(
                    export_part.c.request_id == request_id, export_part.c.service == event.service
                )
            )

    return registry
