"""reporting's HTTP API: reports computed on the cold store (``reports:read``). It never
queries a service's database."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, FastAPI
from pydantic import BaseModel

from postroom.services.platform import Principal, TokenVerifier, require
from postroom.services.reporting._store import ColdStore

__all__ = ["create_app"]

Reader = Annotated[Principal, Depends(require("reports:read"))]


class Registrations(BaseModel):
    day: date
    registrations: int


class WatchTime(BaseModel):
    title: str
    seconds: int
    views: int


def create_app(store: ColdStore, public_key: str) -> FastAPI:
    app = FastAPI(title="reporting")
    app.state.verifier = TokenVerifier(public_key, audience="reporting")

    @app.get("/reports/registrations-per-day")
    def registrations_per_day(caller: Reader) -> list[Registrations]:
        return [Registrations(day=d, registrations=n) for d, n in store.registrations_per_day()]

    @app.get("/reports/watch-time-per-title")
    def watch_time_per_title(caller: Reader) -> list[WatchTime]:
        return [WatchTime(title=t, seconds=s, views=v) for t, s, v in store.watch_time_per_title()]

    return app
