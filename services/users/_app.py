"""users' HTTP API: ``GET /users/{user_id}`` reads the local profile."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from fastapi import FastAPI, HTTPException, status
from pydantic import BaseModel

from postroom.services.users._tables import profile

__all__ = ["Profile", "create_app"]


class Profile(BaseModel):
    user_id: uuid.UUID
    email: str
    handled_at: datetime


def create_app(engine: sa.Engine) -> FastAPI:
    app = FastAPI(title="users")

    @app.get("/users/{user_id}")
    def get_profile(user_id: uuid.UUID) -> Profile:
        with engine.connect() as connection:
            row = connection.execute(sa.select(profile).where(profile.c.user_id == user_id)).first()
        if row is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such user")
        return Profile(user_id=row.user_id, email=row.email, handled_at=row.handled_at)

    return app
