"""The check every HTTP endpoint makes: a valid token (401 otherwise) carrying the
permission the endpoint needs (403 otherwise).

    app.state.verifier = settings.verifier()          # once, when the app is made
    Reader = Annotated[Principal, Depends(require("profile:read"))]

    @app.get("/users/{user_id}")
    async def read(user_id: UUID, caller: Reader) -> ...:
        own_or(caller, user_id, "profile:admin")      # 403 for someone else's
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from fastapi import HTTPException, Request, status

from postroom.services.platform._tokens import InvalidTokenError, Principal, TokenVerifier

__all__ = ["authenticate", "own_or", "require"]

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def authenticate(request: Request) -> Principal:
    """The caller, from the bearer token, checked by ``request.app.state.verifier``."""
    verifier: TokenVerifier = request.app.state.verifier
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "a bearer token is required", _CHALLENGE)
    try:
        return verifier.verify(token.strip())
    except InvalidTokenError as exc:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, f"invalid token: {exc}", _CHALLENGE
        ) from exc


def require(permission: str) -> Callable[[Request], Awaitable[Principal]]:
    """A FastAPI dependency: the caller, who must hold ``permission``."""

    async def dependency(request: Request) -> Principal:
        caller = authenticate(request)
        if not caller.has(permission):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"needs permission {permission!r}")
        return caller

    return dependency


def own_or(caller: Principal, user_id: uuid.UUID, permission: str) -> None:
    """403 unless ``user_id`` is the caller, or the caller holds ``permission``."""
    if caller.user_id != user_id and not caller.has(permission):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, f"another user's data needs permission {permission!r}"
        )
