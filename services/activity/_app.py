"""activity's HTTP API: one screen, one table. ``GET /activity/{user_id}``
(``activity:read``, one's own; anyone's with ``activity:admin``) and ``GET /activity``
(``activity:admin``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, FastAPI, HTTPException, Query, status
from pydantic import BaseModel

from postroom.services.activity._tables import user_activity
from postroom.services.platform import (
    Db,
    Principal,
    ServiceSettings,
    database_lifespan,
    own_or,
    require,
)

__all__ = ["Activity", "create_app"]


class Activity(BaseModel):
    user_id: uuid.UUID
    display_name: str | None
    status: str | None
    registered_at: datetime | None
    titles_watched: int
    seconds_watched: int
    last_title: str | None
    last_watched_at: datetime | None


Reader = Annotated[Principal, Depends(require("activity:read"))]
Admin = Annotated[Principal, Depends(require("activity:admin"))]


def create_app(settings: ServiceSettings) -> FastAPI:
    app = FastAPI(title="activity", lifespan=database_lifespan(settings.database_url))
    app.state.verifier = settings.verifier()

    @app.get("/activity/{user_id}")
    async def one(user_id: uuid.UUID, caller: Reader, db: Db) -> Activity:
        own_or(caller, user_id, "activity:admin")
        async with db() as session:
            row = (
                await session.execute(
                    sa.select(user_activity).where(user_activity.c.user_id == user_id)
                )
            ).first()
        if row is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no activity for that user")
        return Activity.model_validate(row, from_attributes=True)

    @app.get("/activity")
    async def every(
        caller: Admin, db: Db, limit: Annotated[int, Query(ge=1, le=1000)] = 100
    ) -> list[Activity]:
        async with db() as session:
            rows = (
                await session.execute(
                    sa.select(user_activity).order_by(user_activity.c.user_id).limit(limit)
                )
            ).all()
        return [Activity.model_validate(row, from_attributes=True) for row in rows]

    return app
