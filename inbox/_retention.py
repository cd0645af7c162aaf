"""Inbox retention: drop dedupe rows once their message can no longer come back.

A message can be redelivered as long as a copy of it can still be read: from its topic
(relay replays, an offset reset), from the retry topic, or from the dead letters
(``postroom dlq replay``). ``retention_horizon`` is the longest of those windows plus a
margin; rows older than that are deleted in small batches (one short transaction each,
so inserts are never blocked for long), by one instance at a time: the purge holds
``pg_try_advisory_lock`` and a second instance that can't get it does nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from postroom.inbox._table import DEFAULT_INBOX_TABLE, inbox_table

__all__ = ["InboxRetention", "RetentionRun", "retention_horizon"]

#: Kafka's default ``log.retention.hours`` (168).
KAFKA_DEFAULT_RETENTION = timedelta(days=7)


def retention_horizon(
    *,
    topic_retention: timedelta = KAFKA_DEFAULT_RETENTION,
    dead_letter_retention: timedelta = KAFKA_DEFAULT_RETENTION,
    retry_delays_s: tuple[float, ...] = (),
    margin: timedelta = timedelta(days=1),
) -> timedelta:
    """How long an inbox row must live: the longest redelivery window, plus ``margin``."""
    windows = (topic_retention, dead_letter_retention, margin)
    if any(w < timedelta(0) for w in windows) or any(d < 0 for d in retry_delays_s):
        raise ValueError("retention windows, delays and margin must not be negative")
    longest = max(topic_retention, dead_letter_retention)
    return longest + timedelta(seconds=sum(retry_delays_s)) + margin


@dataclass(frozen=True, slots=True)
class RetentionRun:
    """What one purge did: whether it held the lock, and how many rows it deleted."""

    locked: bool
    deleted: int
    cutoff: datetime


class InboxRetention:
    """Delete inbox rows older than ``horizon``, ``batch_size`` at a time, one instance."""

    def __init__(
        self,
        engine: sa.Engine,
        *,
        horizon: timedelta,
        batch_size: int = 5_000,
        schema: str | None = None,
        table: str = DEFAULT_INBOX_TABLE,
    ) -> None:
        if horizon <= timedelta(0):
            raise ValueError(f"horizon must be positive, got {horizon}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.engine = engine
        self.horizon = horizon
        self.batch_size = batch_size
        self.table = inbox_table(sa.MetaData(), name=table, schema=schema)
        digest = hashlib.sha256(f"postroom.inbox.retention:{schema}.{table}".encode()).digest()
        self.lock_key = int.from_bytes(digest[:8], "big", signed=True)
        inner = (
            sa.select(self.table.c.consumer, self.table.c.message_id)
            .where(self.table.c.received_at < sa.bindparam("cutoff"))
            .limit(sa.bindparam("limit"))
            .with_for_update(skip_locked=True)
        )
        self._delete = sa.delete(self.table).where(
            sa.tuple_(self.table.c.consumer, self.table.c.message_id).in_(inner)
        )

    def purge(self, *, now: datetime | None = None) -> RetentionRun:
        """Delete every row older than ``now - horizon``; returns what was done."""
        cutoff = (now or datetime.now(UTC)) - self.horizon
        with self.engine.connect() as connection:
            lock = sa.select(sa.func.pg_try_advisory_lock(self.lock_key))
            locked = bool(connection.execute(lock).scalar_one())
            connection.commit()
            if not locked:
                return RetentionRun(False, 0, cutoff)
            deleted = 0
            try:
                while True:
                    params = {"cutoff": cutoff, "limit": self.batch_size}
                    count = connection.execute(self._delete, params).rowcount
                    connection.commit()
                    deleted += count
                    if count < self.batch_size:
                        break
            finally:
                connection.rollback()
                connection.execute(sa.select(sa.func.pg_advisory_unlock(self.lock_key)))
                connection.commit()
        return RetentionRun(True, deleted, cutoff)
