"""users' HTTP API: read a profile (``profile:read``), edit one's own (``profile:write``;
anyone's with ``profile:admin``). An edit and its ``ProfileUpdated`` commit together."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, FastAPI, HTTPException, status
from pydantic import BaseModel, Field

from postroom.services.events import publish_event
from postroom.services.platform import (
    Db,
    Principal,
    ServiceSettings,
    StoredText,
    database_lifespan,
    own_or,
    require,
)
from postroom.services.users._shredding import profile_updated
from postroom.services.users._tables import profile

__all__ = ["Profile", "create_app"]


class Profile(BaseModel):
    user_id: uuid.UUID
    email: str
    display_name: str
    status: str
    registered_at: datetime | None


class ProfileEdit(BaseModel):
    display_name: StoredText = Field(min_length=1, max_length=100)


Reader = Annotated[Principal, Depends(require("profile:read"))]
Writer = Annotated[Principal, Depends(require("profile:write"))]


def create_app(settings: ServiceSettings) -> FastAPI:
    app = FastAPI(title="users", lifespan=database_lifespan(settings.database_url))
    app.state.verifier = settings.verifier()

    @app.get("/users/{user_id}")
    async def get_profile(user_id: uuid.UUID, caller: Reader, db: Db) -> Profile:
        async with db() as session:
            row = (
                await session.execute(sa.select(profile).where(profile.c.user_id == user_id))
            ).first()
        if row is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such user")
        return Profile.model_validate(row, from_attributes=True)

    @app.patch("/users/{user_id}")
    async def edit_profile(
        user_id: uuid.UUID, body: ProfileEdit, caller: Writer, db: Db
    ) -> Profile:
        own_or(caller, user_id, "profile:admin")
        async with db.begin() as session:
            row = (
                await session.execute(
                    profile.update()
                    .where(profile.c.user_id == user_id, profile.c.status == "active")
                    .values(display_name=body.display_name)
                    .returning(*profile.c)
                )
            ).first()
            if row is None:
                raise HTTPException(status.HTTP_404_NOT_FOUND, "no active user with that id")
            await publish_event(session, await profile_updated(session, user_id, body.display_name))
        return Profile.model_validate(row, from_attributes=True)

    return app
