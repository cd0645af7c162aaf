"""auth's HTTP API: accounts, logins and tokens.

Anonymous by nature: ``POST /register``, ``POST /login``, ``POST /service-token`` (client
credentials in the body) and ``GET /public-key``. Everything else needs a token and
``account:write`` (one's own account) or ``account:admin`` (anyone's).

Every state change and its event commit in one local transaction: the account row
changes exactly when its event exists.
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated

import sqlalchemy as sa
from argon2.exceptions import VerificationError
from fastapi import Depends, FastAPI, HTTPException, Response, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field, field_validator
from sqlalchemy.ext.asyncio import AsyncSession

from postroom.outbox import uuid7
from postroom.services.auth._settings import SERVICES, AuthSettings
from postroom.services.auth._tables import account, account_permissions
from postroom.services.events import (
    EventContract,
    PasswordChanged,
    UserDeactivated,
    UserRegistered,
    publish_event,
)
from postroom.services.platform import (
    Db,
    Principal,
    StoredText,
    TokenIssuer,
    TokenVerifier,
    database_lifespan,
    own_or,
    require,
)

__all__ = ["create_app"]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError("not an email address")
    return value.lower()


class Credentials(BaseModel):
    email: StoredText = Field(max_length=320)
    password: str = Field(min_length=8, max_length=1024)
    _valid_email = field_validator("email")(_email)


class Login(Credentials):
    audience: list[str] = Field(default_factory=lambda: list(SERVICES), min_length=1)


class ServiceLogin(BaseModel):
    client_id: str
    client_secret: str
    audience: list[str] = Field(min_length=1)


class PasswordChange(BaseModel):
    current_password: str
    new_password: str = Field(min_length=8, max_length=1024)


class EmailChange(BaseModel):
    email: StoredText = Field(max_length=320)
    _valid_email = field_validator("email")(_email)


class Registered(BaseModel):
    user_id: uuid.UUID
    event_id: uuid.UUID


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    permissions: list[str]


Writer = Annotated[Principal, Depends(require("account:write"))]


def create_app(settings: AuthSettings) -> FastAPI:
    """auth's API over its own database (``settings.database_url``, its role's URL)."""
    app = FastAPI(title="auth", lifespan=database_lifespan(settings.database_url))
    issuer = TokenIssuer(settings.private_key, ttl=settings.token_ttl)
    app.state.verifier = TokenVerifier(settings.public_key, audience="auth")
    hasher = settings.hasher

    def token(subject: str, kind: str, audience: list[str], permissions: list[str]) -> Token:
        jwt = issuer.issue(subject, kind=kind, audience=audience, permissions=permissions)  # type: ignore[arg-type]
        return Token(
            access_token=jwt,
            expires_in=int(settings.token_ttl.total_seconds()),
            permissions=sorted(permissions),
        )

    async def change(
        db: AsyncSession, user_id: uuid.UUID, event: EventContract, **values: object
    ) -> None:
        """Update the account and publish ``event``, in the caller's transaction."""
        result = await db.execute(
            account.update()
            .where(account.c.user_id == user_id)
            .values(updated_at=sa.func.now(), **values)
        )
        if result.rowcount == 0:  # type: ignore[attr-defined]
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such account")
        await publish_event(db, event)

    async def refuse_if_deactivated(db: AsyncSession, user_id: uuid.UUID) -> None:
        """A deactivated account can't be changed with a token issued before (a replayed
        token): 403, as its login is refused."""
        state = await db.scalar(sa.select(account.c.status).where(account.c.user_id == user_id))
        if state is not None and state != "active":
            raise HTTPException(status.HTTP_403_FORBIDDEN, "account is deactivated")

    @app.get("/public-key", response_class=Response)
    async def public_key() -> Response:
        """The PEM every service verifies tokens with."""
        return Response(settings.public_key, media_type="application/x-pem-file")

    @app.post("/register", status_code=status.HTTP_201_CREATED)
    async def register(body: Credentials, db: Db) -> Registered:
        password_hash = await run_in_threadpool(hasher.hash, body.password)
        user_id = uuid7()
        async with db.begin() as session:
            taken = await session.scalar(
                sa.select(account.c.user_id).where(account.c.email == body.email)
            )
            if taken is not None:
                raise HTTPException(status.HTTP_409_CONFLICT, "email already registered")
            await session.execute(
                account.insert().values(
                    user_id=user_id, email=body.email, password_hash=password_hash
                )
            )
            event = await publish_event(
                session, UserRegistered(user_id=user_id, email=body.email, action="create")
            )
        return Registered(user_id=user_id, event_id=event.id)

    @app.post("/login")
    async def login(body: Login, db: Db) -> Token:
        async with db() as session:
            row = (
                await session.execute(
                    sa.select(account, account_permissions.c.permissions)
                    .outerjoin(
                        account_permissions, account_permissions.c.user_id == account.c.user_id
                    )
                    .where(account.c.email == body.email)
                )
            ).first()
        refused = HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong email or password")
        if row is None:
            raise refused
        try:
            await run_in_threadpool(hasher.verify, row.password_hash, body.password)
        except VerificationError:
            raise refused from None
        if row.status != "active":
            raise HTTPException(status.HTTP_403_FORBIDDEN, "account is deactivated")
        return token(str(row.user_id), "user", body.audience, list(row.permissions or []))

    @app.post("/service-token")
    async def service_token(body: ServiceLogin) -> Token:
        client = settings.service_clients.get(body.client_id)
        refused = HTTPException(status.HTTP_401_UNAUTHORIZED, "unknown client or wrong secret")
        if client is None:
            raise refused
        try:
            await run_in_threadpool(hasher.verify, client.secret_hash, body.client_secret)
        except VerificationError:
            raise refused from None
        return token(body.client_id, "service", body.audience, sorted(client.permissions))

    @app.post("/accounts/{user_id}/password", status_code=status.HTTP_204_NO_CONTENT)
    async def change_password(
        user_id: uuid.UUID, body: PasswordChange, caller: Writer, db: Db
    ) -> None:
        if caller.user_id != user_id:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "only the account's owner")
        async with db.begin() as session:
            current = await session.scalar(
                sa.select(account.c.password_hash).where(account.c.user_id == user_id)
            )
            if current is None:
                raise HTTPException(status.HTTP_404_NOT_FOUND, "no such account")
            await refuse_if_deactivated(session, user_id)
            try:
                await run_in_threadpool(hasher.verify, current, body.current_password)
            except VerificationError:
                raise HTTPException(status.HTTP_403_FORBIDDEN, "wrong current password") from None
            new_hash = await run_in_threadpool(hasher.hash, body.new_password)
            await change(session, user_id, PasswordChanged(user_id=user_id), password_hash=new_hash)

    @app.put("/accounts/{user_id}/email", status_code=status.HTTP_204_NO_CONTENT)
    async def change_email(user_id: uuid.UUID, body: EmailChange, caller: Writer, db: Db) -> None:
        own_or(caller, user_id, "account:admin")
        async with db.begin() as session:
            await refuse_if_deactivated(session, user_id)
            taken = await session.scalar(
                sa.select(account.c.user_id).where(account.c.email == body.email)
            )
            if taken is not None and taken != user_id:
                raise HTTPException(status.HTTP_409_CONFLICT, "email already registered")
            event = UserRegistered(user_id=user_id, email=body.email, action="update")
            await change(session, user_id, event, email=body.email)

    @app.post("/accounts/{user_id}/deactivate", status_code=status.HTTP_204_NO_CONTENT)
    async def deactivate(user_id: uuid.UUID, caller: Writer, db: Db) -> None:
        own_or(caller, user_id, "account:admin")
        async with db.begin() as session:
            await change(session, user_id, UserDeactivated(user_id=user_id), status="deactivated")

    @app.delete("/accounts/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
    async def delete(user_id: uuid.UUID, caller: Writer, db: Db) -> None:
        own_or(caller, user_id, "account:admin")
        async with db.begin() as session:
            await session.execute(
                account_permissions.delete().where(account_permissions.c.user_id == user_id)
            )
            gone = await session.execute(account.delete().where(account.c.user_id == user_id))
            if gone.rowcount == 0:  # type: ignore[attr-defined]
                raise HTTPException(status.HTTP_404_NOT_FOUND, "no such account")
            await publish_event(session, UserRegistered(user_id=user_id, action="delete"))

    return app
