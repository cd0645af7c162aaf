"""authz's part of the privacy sagas: the user's role assignments and its record of them."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from postroom.services.authz._handlers import TOPICS as _OWN_TOPICS
from postroom.services.authz._handlers import registry
from postroom.services.authz._tables import role_assignment, subject
from postroom.services.platform import (
    PRIVACY_REQUESTS_TOPIC,
    delete_rows,
    export_rows,
    register_participant,
)

__all__ = ["SERVICE", "TOPICS"]

SERVICE = "authz"
TOPICS = (*_OWN_TOPICS, PRIVACY_REQUESTS_TOPIC)


async def erase(session: AsyncSession, user_id: uuid.UUID) -> tuple[dict[str, int], dict[str, int]]:
    return {
        "role_assignment": await delete_rows(
            session, role_assignment, role_assignment.c.user_id == user_id
        ),
        "subject": await delete_rows(session, subject, subject.c.user_id == user_id),
    }, {}


async def export(session: AsyncSession, user_id: uuid.UUID) -> dict[str, list[dict[str, Any]]]:
    return {
        "role_assignment": await export_rows(
            session, role_assignment, role_assignment.c.user_id == user_id
        ),
        "subject": await export_rows(session, subject, subject.c.user_id == user_id),
    }


register_participant(registry, SERVICE, erase=erase, export=export)
