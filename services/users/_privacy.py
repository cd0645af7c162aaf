"""users' part of the privacy sagas: the profile (email, display name).

users owns each user's data key (personal fields are sealed per user, see
docs/shredding.md): erasing destroys that key in the same transaction (``shred_user``),
before users confirms, so the copies of the user's sealed fields left in topics, dead
letters, read models, the reporting store and backups can no longer be read."""

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
from postroom.services.users._handlers import TOPICS as _OWN_TOPICS
from postroom.services.users._handlers import registry
from postroom.services.users._shredding import shred_user
from postroom.services.users._tables import profile

__all__ = ["SERVICE", "TOPICS"]

SERVICE = "users"
TOPICS = (*_OWN_TOPICS, PRIVACY_REQUESTS_TOPIC)


async def erase(session: AsyncSession, user_id: uuid.UUID) -> tuple[dict[str, int], dict[str, int]]:
    deleted = {"profile": await delete_rows(session, profile, profile.c.user_id == user_id)}
    # Crypto-shredding: the user's data key goes in this same transaction, so the sealed
    # copies of their fields (topics, dead letters, read models, the reporting store,
    # backups) can no longer be opened once users confirms. The key row stays, keyless,
    # as the refusal to ever make a new key for them.
    await shred_user(session, user_id)
    deleted["data_key"] = 1
    return deleted, {}


async def export(session: AsyncSession, user_id: uuid.UUID) -> dict[str, list[dict[str, Any]]]:
    return {"profile": await export_rows(session, profile, profile.c.user_id == user_id)}


register_participant(registry, SERVICE, erase=erase, export=export)
