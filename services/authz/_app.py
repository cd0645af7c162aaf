"""authz's HTTP API: read roles (``roles:read``: one's own; ``roles:admin``: anyone's),
grant, revoke and define roles (``roles:admin``). Every change publishes ``RolesChanged``
for each user it affects, in the same transaction."""

from __future__ import annotations

import uuid
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, FastAPI, HTTPException, status
from pydantic import BaseModel, Field

from postroom.services.authz._grants import effective, grant, revoke
from postroom.services.authz._tables import role, role_assignment, subject
from postroom.services.events import RolesChanged, publish_event
from postroom.services.platform import (
    Db,
    Principal,
    ServiceSettings,
    StoredText,
    database_lifespan,
    own_or,
    require,
)

__all__ = ["create_app"]


class Role(BaseModel):
    name: str
    permissions: list[str]


class RoleDefinition(BaseModel):
    permissions: list[StoredText] = Field(max_length=200)


Reader = Annotated[Principal, Depends(require("roles:read"))]
Admin = Annotated[Principal, Depends(require("roles:admin"))]


def create_app(settings: ServiceSettings) -> FastAPI:
    app = FastAPI(title="authz", lifespan=database_lifespan(settings.database_url))
    app.state.verifier = settings.verifier()

    @app.get("/roles")
    async def list_roles(caller: Reader, db: Db) -> list[Role]:
        async with db() as session:
            rows = (await session.execute(sa.select(role).order_by(role.c.name))).all()
        return [Role(name=row.name, permissions=sorted(row.permissions)) for row in rows]

    @app.put("/roles/{name}")
    async def define_role(name: StoredText, body: RoleDefinition, caller: Admin, db: Db) -> Role:
        permissions = sorted(set(body.permissions))
        async with db.begin() as session:
            await session.execute(
                sa.dialects.postgresql.insert(role)
                .values(name=name, permissions=permissions)
                .on_conflict_do_update(index_elements=["name"], set_={"permissions": permissions})
            )
            holders = await session.scalars(
                sa.select(role_assignment.c.user_id).where(role_assignment.c.role == name)
            )
            for user_id in list(holders):
                await publish_event(session, await effective(session, user_id))
        return Role(name=name, permissions=permissions)

    @app.get("/users/{user_id}/roles")
    async def user_roles(user_id: uuid.UUID, caller: Reader, db: Db) -> RolesChanged:
        own_or(caller, user_id, "roles:admin")
        async with db() as session:
            return await effective(session, user_id)

    @app.put("/users/{user_id}/roles/{name}")
    async def grant_role(
        user_id: uuid.UUID, name: StoredText, caller: Admin, db: Db
    ) -> RolesChanged:
        async with db.begin() as session:
            known = await session.scalar(
                sa.select(subject.c.status).where(subject.c.user_id == user_id)
            )
            if known != "active":
                raise HTTPException(status.HTTP_409_CONFLICT, "no active user with that id")
            if await session.scalar(sa.select(role.c.name).where(role.c.name == name)) is None:
                raise HTTPException(status.HTTP_404_NOT_FOUND, "no such role")
            return await grant(session, user_id, name)

    @app.delete("/users/{user_id}/roles/{name}")
    async def revoke_role(
        user_id: uuid.UUID, name: StoredText, caller: Admin, db: Db
    ) -> RolesChanged:
        async with db.begin() as session:
            return await revoke(session, user_id, name)

    return app
