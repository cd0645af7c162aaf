"""``PrivacyScheduler``: privacy's background work, in a thread of its own.

Each round (``settings.scheduler_interval``): the saga scheduler applies deadlines and
re-requests to both sagas, the partner eraser calls the partner for owed erasures, and
the erasure log is brought up to date with the committed completion records.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from postroom.database_url import sync_url
from postroom.saga import SagaScheduler
from postroom.services.privacy._erasure_log import ship_erasure_log
from postroom.services.privacy._partner import PartnerEraser
from postroom.services.privacy._sagas import PrivacySagas
from postroom.services.privacy._settings import PrivacySettings

__all__ = ["PrivacyScheduler"]


class PrivacyScheduler:
    def __init__(self, settings: PrivacySettings, sagas: PrivacySagas | None = None) -> None:
        self.settings = settings
        self.sagas = sagas or PrivacySagas(settings)
        self.scheduler: SagaScheduler | None = None
        self.partner: PartnerEraser | None = None
        self.shipped = 0

    async def _main(self, stop: threading.Event, started: threading.Event) -> None:
        engine = create_async_engine(self.settings.database_url, pool_size=2, max_overflow=2)
        log_engine = sa.create_engine(sync_url(self.settings.database_url), poolclass=sa.NullPool)
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        jobs: list[Callable[[], Awaitable[object]]] = []
        if self.settings.partner_url:
            self.partner = PartnerEraser(sessions, self.settings.partner_url)
            jobs.append(self.partner.run_once)

        async def ship() -> None:
            self.shipped += await asyncio.to_thread(
                ship_erasure_log, log_engine, self.settings.log_path
            )

        jobs.append(ship)
        self.scheduler = SagaScheduler(
            sessions,
            (self.sagas.erasure, self.sagas.export),
            interval=self.settings.scheduler_interval,
            also=jobs,
        )
        started.set()
        try:
            await self.scheduler.run(stop)
        finally:
            await engine.dispose()
            log_engine.dispose()

    @contextmanager
    def running(self) -> Iterator[PrivacyScheduler]:
        """Run rounds in a background thread for the ``with`` block."""
        stop, started = threading.Event(), threading.Event()
        thread = threading.Thread(
            target=lambda: asyncio.run(self._main(stop, started)),
            name="privacy-scheduler",
            daemon=True,
        )
        thread.start()
        started.wait(30)
        try:
            yield self
        finally:
            stop.set()
            thread.join(30)
