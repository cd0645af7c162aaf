"""Crypto-shredding in users, the owner of every user's data key.

``profile_updated`` builds the ``ProfileUpdated`` event with the name sealed under the
user's key (made on first use); ``shred_user`` destroys the key, so every sealed copy of
the user's personal fields (topics, dead letters, read models, the reporting store,
backups) becomes unreadable; ``open_field`` opens a sealed field while the key lives.
The erasure flow calls ``shred_user`` in the same transaction as users' own erasure.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from postroom.privacy import SubjectKeys, open_value, seal_value
from postroom.services.events import ProfileUpdated
from postroom.services.users._tables import subject_key

__all__ = ["KEYS", "open_field", "profile_updated", "shred_user"]

#: users' data keys.
KEYS = SubjectKeys(subject_key)


async def profile_updated(
    session: AsyncSession, user_id: uuid.UUID, display_name: str
) -> ProfileUpdated:
    """``ProfileUpdated`` for ``user_id`` with ``display_name`` sealed under their key
    (``SubjectShreddedError`` if the user's key was shredded)."""
    subject = str(user_id)
    key = await KEYS.key_for_async(session, subject)
    sealed = seal_value(display_name, key, subject=subject, field="display_name")
    return ProfileUpdated(user_id=user_id, display_name=sealed)


async def shred_user(session: AsyncSession, user_id: uuid.UUID) -> datetime:
    """Destroy ``user_id``'s data key in the caller's transaction; returns when it was
    (first) shredded. Idempotent, and no new key is ever made for the user after."""
    if not isinstance(user_id, uuid.UUID):
        raise TypeError(f"user_id must be a UUID, got {user_id!r}")
    return await KEYS.shred_async(session, str(user_id))


async def open_field(
    session: AsyncSession, user_id: uuid.UUID, field: str, sealed: str
) -> str | None:
    """The clear text of ``sealed`` (``field`` of ``user_id``), or ``None`` once the
    user's key is shredded (``SealedValueError`` if it was altered)."""
    key = await KEYS.find_key_async(session, str(user_id))
    if key is None:
        return None
    return open_value(sealed, key, subject=str(user_id), field=field)
