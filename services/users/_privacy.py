"""users' part of the privacy sagas: the profile (email, display name).

users is where each user's data key lives once personal fields are encrypted per user
(crypto-shredding): erasing destroys that key too, so the copies of the user's events
left in topics, dead letters and backups can no longer be read."""

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
from postroom.services.users._tables import profile

__all__ = ["SERVICE", "TOPICS"]

SERVICE = "users"
TOPICS = (*_OWN_TOPICS, PRIVACY_REQUESTS_TOPIC)


async def erase(session: AsyncSession, user_id: uuid.UUID) -> tuple[dict[str, int], dict[str, int]]:
    deleted = {"profile": await delete_rows(session, profile, profile.c.user_id == user_id)}
    # ---- CRYPTO-SHRED HOOK --------------------------------------------------------------
    # Shred the user's data key here, in this same transaction (the key-owning table is
    # users'): e.g. ``deleted["user_key"] = await shred_user_key(session, user_id)``.
    # Wired when crypto-shredding is merged; until then there is no key to destroy.
    # ---------------------------------------------------------------------------------------
    return deleted, {}


async def export(session: AsyncSession, user_id: uuid.UUID) -> dict[str, list[dict[str, Any]]]:
    return {"profile": await export_rows(session, profile, profile.c.user_id == user_id)}


register_participant(registry, SERVICE, erase=erase, export=export)
