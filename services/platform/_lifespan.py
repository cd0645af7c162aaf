"""One async engine per app, made in the app's own event loop and disposed on shutdown."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from postroom.database_url import async_engine_args

__all__ = ["Db", "Sessions", "database_lifespan", "sessions"]

Sessions = async_sessionmaker[AsyncSession]


def database_lifespan(url: str) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """A FastAPI lifespan keeping ``app.state.sessions`` (an ``async_sessionmaker``)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # hide_parameters: a database error's message (logged with its traceback) must
        # not carry the statement's values: e-mail addresses, password hashes.
        target, connect_args = async_engine_args(url)  # TLS settings of the URL, for asyncpg
        engine = create_async_engine(
            target, pool_size=5, max_overflow=5, connect_args=connect_args, hide_parameters=True
        )
        app.state.sessions = async_sessionmaker(engine, expire_on_commit=False)
        try:
            yield
        finally:
            await engine.dispose()

    return lifespan


def sessions(request: Request) -> Sessions:
    """The app's session factory (a FastAPI dependency)."""
    factory: Sessions = request.app.state.sessions
    return factory


#: An endpoint parameter: the app's session factory.
Db = Annotated[Sessions, Depends(sessions)]
