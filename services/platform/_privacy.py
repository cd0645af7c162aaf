"""What every participant of the privacy sagas does with its own tables: read a user's
rows as JSON for an export, delete them (counted) for an erasure. Each service's
``_privacy`` module says which tables and which column names the user."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from postroom.inbox import HandlerRegistry, InboxMessage
from postroom.outbox import wire
from postroom.services.events import (
    ErasureRequested,
    UserDataErased,
    UserDataExportPart,
    UserDataExportRequested,
    publish_event,
)

__all__ = [
    "PRIVACY_REQUESTS_TOPIC",
    "Erase",
    "Export",
    "delete_rows",
    "export_rows",
    "register_participant",
]

#: The topic the privacy coordinator's requests arrive on (every participant consumes it).
PRIVACY_REQUESTS_TOPIC = wire.topic_for(ErasureRequested.aggregate_type)


async def export_rows(
    session: AsyncSession,
    table: sa.Table,
    where: sa.ColumnElement[bool],
    *,
    leave_out: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """``table``'s rows matching ``where``, as JSON-ready dicts without ``leave_out``."""
    columns = [c for c in table.c if c.name not in leave_out]
    rows = (await session.execute(sa.select(*columns).where(where))).mappings().all()
    return [{k: _json(v) for k, v in row.items()} for row in rows]


async def delete_rows(session: AsyncSession, table: sa.Table, where: sa.ColumnElement[bool]) -> int:
    """Delete ``table``'s rows matching ``where``; how many there were."""
    result = await session.execute(table.delete().where(where))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _json(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


#: A service's erasure: delete or anonymise its rows about ``user_id`` in the session's
#: transaction; returns (rows deleted per table, rows anonymised per table).
Erase = Callable[[AsyncSession, uuid.UUID], Awaitable[tuple[dict[str, int], dict[str, int]]]]
#: A service's export: its rows about ``user_id`` per table, JSON-ready.
Export = Callable[[AsyncSession, uuid.UUID], Awaitable[dict[str, list[dict[str, Any]]]]]


def register_participant(
    registry: HandlerRegistry, service: str, *, erase: Erase, export: Export
) -> None:
    """Make ``service`` a participant of the privacy sagas: its inbox handles
    ``ErasureRequested`` and ``UserDataExportRequested`` naming it, and answers with
    ``UserDataErased`` / ``UserDataExportPart`` from the same transaction (the answer is
    published exactly when the request counts as handled). A request that names other
    services only (a re-request of the silent ones) is handled by doing nothing.

    Erasing twice deletes nothing the second time and answers with zero counts; the
    coordinator keeps the first answer per service.
    """

    @registry.on(ErasureRequested.event_type, version=ErasureRequested.schema_version)
    async def on_erasure(session: AsyncSession, message: InboxMessage) -> None:
        event = ErasureRequested.model_validate(message.payload)
        if service not in event.services:
            return
        deleted, anonymised = await erase(session, event.user_id)
        answer = UserDataErased(
            request_id=event.request_id, service=service, deleted=deleted, anonymised=anonymised
        )
        await publish_event(session, answer, causation_id=str(message.id))

    @registry.on(UserDataExportRequested.event_type, version=UserDataExportRequested.schema_version)
    async def on_export(session: AsyncSession, message: InboxMessage) -> None:
        event = UserDataExportRequested.model_validate(message.payload)
        if service not in event.services:
            return
        part = await export(session, event.user_id)
        answer = UserDataExportPart(request_id=event.request_id, service=service, part=part)
        await publish_event(session, answer, causation_id=str(message.id))
