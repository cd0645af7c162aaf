"""watch-history's part of the privacy sagas: the user's watches and its cached copy of
the user (``known_user``, the local read model).

``watch`` is append-only: a trigger refuses UPDATE and DELETE. Erasure is the one
sanctioned exception: the service's role owns the table, so the erasure transaction
disables that trigger, deletes the user's watches and enables it again. DDL is
transactional in PostgreSQL: no other transaction ever sees the trigger off, and the
table lock taken meanwhile only makes concurrent writes to ``watch`` wait for the commit.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from postroom.services.platform import (
    PRIVACY_REQUESTS_TOPIC,
    delete_rows,
    export_rows,
    register_participant,
)
from postroom.services.watch_history._handlers import TOPICS as _OWN_TOPICS
from postroom.services.watch_history._handlers import registry
from postroom.services.watch_history._tables import known_user, watch

__all__ = ["SERVICE", "TOPICS"]

SERVICE = "watch_history"
TOPICS = (*_OWN_TOPICS, PRIVACY_REQUESTS_TOPIC)

_APPEND_ONLY_TRIGGER = "watch_append_only"


async def erase(session: AsyncSession, user_id: uuid.UUID) -> tuple[dict[str, int], dict[str, int]]:
    watched = await session.scalar(
        sa.select(sa.func.count()).select_from(watch).where(watch.c.user_id == user_id)
    )
    deleted_watches = 0
    if watched:
        await session.execute(sa.text(f"ALTER TABLE watch DISABLE TRIGGER {_APPEND_ONLY_TRIGGER}"))
        deleted_watches = await delete_rows(session, watch, watch.c.user_id == user_id)
        await session.execute(sa.text(f"ALTER TABLE watch ENABLE TRIGGER {_APPEND_ONLY_TRIGGER}"))
    return {
        "watch": deleted_watches,
        "known_user": await delete_rows(session, known_user, known_user.c.user_id == user_id),
    }, {}


async def export(session: AsyncSession, user_id: uuid.UUID) -> dict[str, list[dict[str, Any]]]:
    return {
        "watch": await export_rows(session, watch, watch.c.user_id == user_id),
        "known_user": await export_rows(session, known_user, known_user.c.user_id == user_id),
    }


register_participant(registry, SERVICE, erase=erase, export=export)
