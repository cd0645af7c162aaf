"""Retention policies: rows older than a horizon are deleted *through events*.

A policy names a table, its time column and how long rows live. ``expire`` (sync) and
``expire_async`` take one batch of expired rows (``FOR UPDATE SKIP LOCKED``, so two
runners never take the same rows), hand them to the service's ``on_expired`` callback,
which publishes the events saying what went (in the same transaction), and delete them
by primary key. Read models and cold stores that follow those events then drop their
copies too: nothing deletes behind the consumers' backs. ``RetentionSchedule`` runs a
policy on an interval in a background thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from postroom.errors import ConfigurationError

__all__ = ["RetentionPolicy", "RetentionSchedule", "expire", "expire_async"]

log = logging.getLogger("postroom.privacy.retention")

Rows = Sequence[sa.Row[Any]]


@dataclass(frozen=True, kw_only=True)
class RetentionPolicy:
    """Rows of ``table`` whose ``column`` is older than ``older_than`` expire, at most
    ``batch_size`` per run."""

    table: sa.Table
    column: str
    older_than: timedelta
    batch_size: int = 500

    def __post_init__(self) -> None:
        if not isinstance(self.table, sa.Table) or self.column not in self.table.c:
            raise ConfigurationError(f"{self.column!r} is not a column of the policy's table")
        if not list(self.table.primary_key):
            raise ConfigurationError(f"table {self.table.name!r} needs a primary key")
        if not isinstance(self.older_than, timedelta) or self.older_than <= timedelta(0):
            raise ConfigurationError(
                f"older_than must be a positive timedelta, got {self.older_than!r}"
            )
        if isinstance(self.batch_size, bool) or self.batch_size < 1:
            raise ConfigurationError(f"batch_size must be >= 1, got {self.batch_size!r}")

    def horizon(self, now: datetime | None = None) -> datetime:
        """Rows older than this expire."""
        return (now or datetime.now(UTC)) - self.older_than

    def select_expired(self, now: datetime | None = None) -> sa.Select[Any]:
        column = self.table.c[self.column]
        return (
            sa.select(self.table)
            .where(column < self.horizon(now))
            .order_by(column)
            .limit(self.batch_size)
            .with_for_update(skip_locked=True)
        )

    def delete(self, rows: Rows) -> sa.Delete:
        keys = list(self.table.primary_key)
        if len(keys) == 1:
            return sa.delete(self.table).where(
                keys[0].in_([r._mapping[keys[0].name] for r in rows])
            )
        tuples = [tuple(r._mapping[k.name] for k in keys) for r in rows]
        return sa.delete(self.table).where(sa.tuple_(*keys).in_(tuples))


def expire(
    session: Session,
    policy: RetentionPolicy,
    on_expired: Callable[[Session, Rows], None],
    *,
    now: datetime | None = None,
) -> int:
    """One batch: ``on_expired`` publishes what goes, then the rows are deleted, in the
    caller's transaction. Returns how many rows expired (0: nothing left)."""
    rows = session.execute(policy.select_expired(now)).all()
    if rows:
        on_expired(session, rows)
        session.execute(policy.delete(rows))
    return len(rows)


async def expire_async(
    session: AsyncSession,
    policy: RetentionPolicy,
    on_expired: Callable[[AsyncSession, Rows], Awaitable[None]],
    *,
    now: datetime | None = None,
) -> int:
    """``expire`` on an ``AsyncSession``."""
    rows = (await session.execute(policy.select_expired(now))).all()
    if rows:
        await on_expired(session, rows)
        await session.execute(policy.delete(rows))
    return len(rows)


class RetentionSchedule:
    """Calls ``run`` (one committed batch; returns rows expired) every ``interval_s``
    seconds, and again at once while batches come back full, in a background thread."""

    def __init__(self, run: Callable[[], int], *, interval_s: float, name: str = "retention"):
        if interval_s <= 0:
            raise ConfigurationError(f"interval_s must be > 0, got {interval_s!r}")
        self.run = run
        self.interval_s = interval_s
        self.name = name
        self.expired = 0
        self.failures = 0

    def _loop(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                count = self.run()
            except Exception:
                log.exception("retention run %s failed; trying again later", self.name)
                self.failures += 1
                count = 0
            self.expired += count
            if count == 0:
                stop.wait(self.interval_s)

    @contextmanager
    def running(self) -> Iterator[RetentionSchedule]:
        stop = threading.Event()
        thread = threading.Thread(target=self._loop, args=(stop,), name=self.name, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            stop.set()
            thread.join(30)
