"""Erasure at a partner system reachable only over HTTP, confirmed through the saga.

The erasure saga's request for participant ``partner`` only writes a row to
``partner_erasure`` (no HTTP inside a database transaction). ``PartnerEraser.run_once``,
called by the privacy scheduler each round, takes the owed erasures and calls the
partner (``POST {partner_url}/erasures`` with the request id and user id), retrying with
exponential backoff behind a circuit breaker. When the partner answers 2xx, one
transaction deletes the row and publishes ``UserDataErased`` for ``partner``: the
confirmation comes back through the inbox like every other service's, and the saga
counts it the same way. While the breaker is open, no call is made at all.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from postroom.services.events import UserDataErased, publish_event
from postroom.services.privacy._breaker import CircuitBreaker
from postroom.services.privacy._tables import partner_erasure

__all__ = ["PARTNER", "PartnerEraser", "RetryPolicy"]

PARTNER = "partner"
log = logging.getLogger("postroom.services.privacy.partner")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """``attempts`` calls at most per round, waiting ``backoff`` * 2^n (capped) between."""

    attempts: int = 4
    backoff: float = 0.05
    max_backoff: float = 2.0
    timeout: float = 5.0

    def delay(self, attempt: int) -> float:
        return float(min(self.max_backoff, self.backoff * 2**attempt))


class PartnerEraser:
    """Calls the partner for each owed erasure; publishes its confirmation on success."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        partner_url: str,
        *,
        retry: RetryPolicy | None = None,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self.sessions = sessions
        self.partner_url = partner_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        self.breaker = breaker or CircuitBreaker()
        self.calls = 0
        self.failures = 0

    async def run_once(self) -> int:
        """Try every owed erasure once (with retries); how many the partner confirmed."""
        async with self.sessions() as session:
            owed = (await session.execute(sa.select(partner_erasure))).all()
        confirmed = 0
        async with httpx.AsyncClient(timeout=self.retry.timeout) as client:
            for row in owed:
                if not self.breaker.allows():
                    break
                answer = await self.erase_at_partner(client, str(row.request_id), str(row.user_id))
                if answer is None:
                    await self._note_failure(str(row.request_id))
                    continue
                await self._confirm(str(row.request_id), answer)
                confirmed += 1
        return confirmed

    async def erase_at_partner(
        self, client: httpx.AsyncClient, request_id: str, user_id: str
    ) -> dict[str, Any] | None:
        """One round of calls for one erasure: its answer, or None (retries exhausted,
        or the breaker is open)."""
        body = {"request_id": request_id, "user_id": user_id}
        for attempt in range(self.retry.attempts):
            if not self.breaker.allows():
                return None
            self.calls += 1
            try:
                response = await client.post(f"{self.partner_url}/erasures", json=body)
                if response.is_success:
                    self.breaker.succeeded()
                    answer: dict[str, Any] = response.json() if response.content else {}
                    return answer
                problem = f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                problem = f"{type(exc).__name__}: {exc}"
            self.failures += 1
            self.breaker.failed()
            log.info("partner erasure %s failed (attempt %d): %s", request_id, attempt + 1, problem)
            await asyncio.sleep(self.retry.delay(attempt))
        return None

    async def _note_failure(self, request_id: str) -> None:
        async with self.sessions.begin() as session:
            await session.execute(
                partner_erasure.update()
                .where(partner_erasure.c.request_id == request_id)
                .values(attempts=partner_erasure.c.attempts + 1, last_error="no 2xx answer")
            )

    async def _confirm(self, request_id: str, answer: dict[str, Any]) -> None:
        erased = answer.get("erased", 1)
        async with self.sessions.begin() as session:
            gone = await session.execute(
                partner_erasure.delete().where(partner_erasure.c.request_id == request_id)
            )
            if not gone.rowcount:  # type: ignore[attr-defined]
                return  # another scheduler confirmed it meanwhile
            confirmation = UserDataErased(
                request_id=request_id,  # type: ignore[arg-type]
                service=PARTNER,
                deleted={"partner": int(erased) if isinstance(erased, int) else 1},
            )
            await publish_event(session, confirmation)
