"""Granting and revoking roles; every change publishes the user's effective permissions
(``RolesChanged``) in the same transaction."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from postroom.services.authz._tables import role, role_assignment
from postroom.services.events import RolesChanged, publish_event

__all__ = ["DEFAULT_ROLE", "effective", "grant", "revoke", "revoke_all"]

#: Every registered user holds it.
DEFAULT_ROLE = "member"


async def effective(session: AsyncSession, user_id: uuid.UUID) -> RolesChanged:
    """The user's roles and everything they grant, now."""
    rows = (
        await session.execute(
            sa.select(role.c.name, role.c.permissions)
            .join(role_assignment, role_assignment.c.role == role.c.name)
            .where(role_assignment.c.user_id == user_id)
            .order_by(role.c.name)
        )
    ).all()
    permissions = sorted({p for row in rows for p in row.permissions})
    return RolesChanged(user_id=user_id, roles=[row.name for row in rows], permissions=permissions)


async def _announce(session: AsyncSession, user_id: uuid.UUID) -> RolesChanged:
    changed = await effective(session, user_id)
    await publish_event(session, changed)
    return changed


async def grant(session: AsyncSession, user_id: uuid.UUID, role_name: str) -> RolesChanged:
    await session.execute(
        insert(role_assignment).values(user_id=user_id, role=role_name).on_conflict_do_nothing()
    )
    return await _announce(session, user_id)


async def revoke(session: AsyncSession, user_id: uuid.UUID, role_name: str) -> RolesChanged:
    await session.execute(
        role_assignment.delete().where(
            role_assignment.c.user_id == user_id, role_assignment.c.role == role_name
        )
    )
    return await _announce(session, user_id)


async def revoke_all(session: AsyncSession, user_id: uuid.UUID) -> RolesChanged:
    await session.execute(role_assignment.delete().where(role_assignment.c.user_id == user_id))
    return await _announce(session, user_id)
