"""auth's HTTP API: ``POST /register``.

The credential row and the ``UserRegistered`` event commit in one local transaction:
either both exist or neither does, and the users service learns of every registration
without auth ever calling it.
"""

from __future__ import annotations

import re
import uuid

import sqlalchemy as sa
from argon2 import PasswordHasher
from fastapi import FastAPI, HTTPException, status
from pydantic import BaseModel, Field, field_validator
from sqlalchemy.orm import Session

from postroom.outbox import Event, publish, uuid7
from postroom.services.auth._tables import credential

__all__ = ["Registration", "create_app"]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Registration(BaseModel):
    email: str = Field(max_length=320)
    password: str = Field(min_length=8, max_length=1024)

    @field_validator("email")
    @classmethod
    def _valid_email(cls, value: str) -> str:
        if not _EMAIL.match(value):
            raise ValueError("not an email address")
        return value.lower()


class Registered(BaseModel):
    user_id: uuid.UUID
    event_id: uuid.UUID


def create_app(engine: sa.Engine) -> FastAPI:
    """The auth API over ``engine`` (auth's own database)."""
    app = FastAPI(title="auth")
    hasher = PasswordHasher()

    @app.post("/register", status_code=status.HTTP_201_CREATED)
    def register(body: Registration) -> Registered:
        user_id = uuid7()
        password_hash = hasher.hash(body.password)
        with Session(engine) as db, db.begin():
            exists = db.execute(
                sa.select(credential.c.user_id).where(credential.c.email == body.email)
            ).first()
            if exists:
                raise HTTPException(status.HTTP_409_CONFLICT, "email already registered")
            db.execute(
                credential.insert().values(
                    user_id=user_id, email=body.email, password_hash=password_hash
                )
            )
            event = Event(
                aggregate_type="user",
                aggregate_id=str(user_id),
                type="UserRegistered",
                payload={"user_id": str(user_id), "email": body.email, "action": "create"},
                subject_id=str(user_id),
            )
            publish(db, event)
        return Registered(user_id=user_id, event_id=event.id)

    return app
