"""auth's part of the privacy sagas: the account and the permissions it kept.

Erasure deletes both rows (the email and the password hash go with the account); an
export gives the account without its password hash."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from postroom.services.auth._handlers import TOPICS as _OWN_TOPICS
from postroom.services.auth._handlers import registry
from postroom.services.auth._tables import account, account_permissions
from postroom.services.platform import (
    PRIVACY_REQUESTS_TOPIC,
    delete_rows,
    export_rows,
    register_participant,
)

__all__ = ["SERVICE", "TOPICS"]

SERVICE = "auth"
TOPICS = (*_OWN_TOPICS, PRIVACY_REQUESTS_TOPIC)


async def erase(session: AsyncSession, user_id: uuid.UUID) -> tuple[dict[str, int], dict[str, int]]:
    return {
        "account_permissions": await delete_rows(
            session, account_permissions, account_permissions.c.user_id == user_id
        ),
        "account": await delete_rows(session, account, account.c.user_id == user_id),
    }, {}


async def export(session: AsyncSession, user_id: uuid.UUID) -> dict[str, list[dict[str, Any]]]:
    return {
        "account": await export_rows(
            session, account, account.c.user_id == user_id, leave_out=("password_hash",)
        ),
        "account_permissions": await export_rows(
            session, account_permissions, account_permissions.c.user_id == user_id
        ),
    }


register_participant(registry, SERVICE, erase=erase, export=export)
