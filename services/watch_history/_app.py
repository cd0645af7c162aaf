"""watch-history's HTTP API: append a watch (``history:write``) and read a history
(``history:read``), each for one's own user (anyone's with ``history:admin``).

Whether the user may watch is answered by the local read model (``known_user``), never
by a call to auth or users."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, FastAPI, HTTPException, status
from pydantic import BaseModel, Field

from postroom.outbox import uuid7
from postroom.services.events import TitleWatched, publish_event
from postroom.services.platform import (
    Db,
    Principal,
    ServiceSettings,
    StoredText,
    database_lifespan,
    own_or,
    require,
)
from postroom.services.watch_history._tables import known_user, watch

__all__ = ["History", "Watch", "create_app"]


class Watch(BaseModel):
    title_id: StoredText = Field(min_length=1, max_length=200)
    title: StoredText = Field(min_length=1, max_length=500)
    seconds: int = Field(ge=1, le=86_400)


class Watched(Watch):
    watch_id: uuid.UUID
    watched_at: datetime


class History(BaseModel):
    user_id: uuid.UUID
    display_name: str | None
    watches: list[Watched]


Reader = Annotated[Principal, Depends(require("history:read"))]
Writer = Annotated[Principal, Depends(require("history:write"))]


def create_app(settings: ServiceSettings) -> FastAPI:
    app = FastAPI(title="watch-history", lifespan=database_lifespan(settings.database_url))
    app.state.verifier = settings.verifier()

    @app.post("/users/{user_id}/watches", status_code=status.HTTP_201_CREATED)
    async def add_watch(user_id: uuid.UUID, body: Watch, caller: Writer, db: Db) -> Watched:
        own_or(caller, user_id, "history:admin")
        watched = Watched(watch_id=uuid7(), watched_at=datetime.now(UTC), **body.model_dump())
        async with db.begin() as session:
            state = await session.scalar(
                sa.select(known_user.c.status).where(known_user.c.user_id == user_id)
            )
            if state != "active":
                raise HTTPException(status.HTTP_409_CONFLICT, "no active user with that id")
            await session.execute(watch.insert().values(user_id=user_id, **watched.model_dump()))
            await publish_event(session, TitleWatched(user_id=user_id, **watched.model_dump()))
        return watched

    @app.get("/users/{user_id}/watches")
    async def history(user_id: uuid.UUID, caller: Reader, db: Db) -> History:
        own_or(caller, user_id, "history:admin")
        async with db() as session:
            name = await session.scalar(
                sa.select(known_user.c.display_name).where(known_user.c.user_id == user_id)
            )
            rows = (
                await session.execute(
                    sa.select(watch).where(watch.c.user_id == user_id).order_by(watch.c.watch_id)
                )
            ).all()
        watches = [Watched.model_validate(row, from_attributes=True) for row in rows]
        return History(user_id=user_id, display_name=name, watches=watches)

    return app
