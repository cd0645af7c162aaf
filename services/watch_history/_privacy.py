"""watch-history's part of the privacy sagas: the user's watches and its cached copy of
the user (``known_user``, the local read model).

``watch`` is append-only: a trigger refuses UPDATE and DELETE unless the transaction
said why (``allow_deletion``). Erasure is one sanctioned reason (retention the other):
the erasure transaction calls ``allow_deletion(session, "erasure")`` before deleting the
user's watches; the permission ends with the transaction (``SET LOCAL``).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from postroom.services.platform import (
    PRIVACY_REQUESTS_TOPIC,
    delete_rows,
    export_rows,
    register_participant,
)
from postroom.services.watch_history._handlers import TOPICS as _OWN_TOPICS
from postroom.services.watch_history._handlers import registry
from postroom.services.watch_history._tables import allow_deletion, known_user, watch

__all__ = ["SERVICE", "TOPICS"]

SERVICE = "watch_history"
TOPICS = (*_OWN_TOPICS, PRIVACY_REQUESTS_TOPIC)


async def erase(session: AsyncSession, user_id: uuid.UUID) -> tuple[dict[str, int], dict[str, int]]:
    await allow_deletion(session, "erasure")
    deleted_watches = await delete_rows(session, watch, watch.c.user_id == user_id)
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
