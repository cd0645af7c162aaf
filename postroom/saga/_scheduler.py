"""``SagaScheduler``: the loop a coordinating service runs to apply time to its sagas.

Each round opens one transaction per coordinator and calls ``tick``: deadlines that
passed take effect, silent participants are asked again. Sagas are locked with
``FOR UPDATE SKIP LOCKED``, so several scheduler instances never tick one saga twice,
and a reply being handled at that moment is never overwritten. Extra per-round jobs
(``also``) run after the ticks, outside any transaction of ours.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from postroom.errors import SagaConfigError
from postroom.saga._coordinator import SagaCoordinator

__all__ = ["SagaScheduler"]

log = logging.getLogger("postroom.saga")


class SagaScheduler:
    """Ticks ``coordinators`` every ``interval`` seconds (``run``), or once (``run_once``)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        coordinators: Sequence[SagaCoordinator],
        *,
        interval: float = 1.0,
        also: Sequence[Callable[[], Awaitable[object]]] = (),
    ) -> None:
        if interval <= 0:
            raise SagaConfigError(f"interval must be > 0, got {interval}")
        self.sessions = sessions
        self.coordinators = tuple(coordinators)
        self.interval = interval
        self.also = tuple(also)
        self.rounds = 0
        self.failures = 0

    async def run_once(self, *, now: datetime | None = None) -> int:
        """One round; how many sagas were due."""
        due = 0
        for coordinator in self.coordinators:
            async with self.sessions.begin() as session:
                due += await coordinator.tick(session, now=now)
        for job in self.also:
            await job()
        self.rounds += 1
        return due

    async def run(self, stop: threading.Event) -> None:
        """Round after round until ``stop`` is set; a failing round is logged and retried."""
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception:
                self.failures += 1
                log.exception("a saga scheduler round failed; trying again next round")
            await asyncio.sleep(self.interval)
