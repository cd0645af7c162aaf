"""activity's part of the privacy sagas: the user's row of the cross-service view."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from postroom.services.activity._handlers import TOPICS as _OWN_TOPICS
from postroom.services.activity._handlers import registry
from postroom.services.activity._tables import user_activity
from postroom.services.platform import (
    PRIVACY_REQUESTS_TOPIC,
    delete_rows,
    export_rows,
    register_participant,
)

__all__ = ["SERVICE", "TOPICS"]

SERVICE = "activity"
TOPICS = (*_OWN_TOPICS, PRIVACY_REQUESTS_TOPIC)


async def erase(session: AsyncSession, user_id: uuid.UUID) -> tuple[dict[str, int], dict[str, int]]:
    where = user_activity.c.user_id == user_id
    return {"user_activity": await delete_rows(session, user_activity, where)}, {}


async def export(session: AsyncSession, user_id: uuid.UUID) -> dict[str, list[dict[str, Any]]]:
    where = user_activity.c.user_id == user_id
    return {"user_activity": await export_rows(session, user_activity, where)}


register_participant(registry, SERVICE, erase=erase, export=export)
