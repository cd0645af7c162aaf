"""``ColdStore``: every event of every service in a DuckDB file, apart from the services'
databases, exported as date-partitioned Parquet; reports are computed there.

The event id is the primary key of ``events``: a redelivered record is ignored in the
same DuckDB transaction that would have stored it, so the store is its own inbox and a
replay never counts anything twice.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from postroom.inbox import InboxMessage

__all__ = ["ColdStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id UUID PRIMARY KEY,
    type TEXT NOT NULL,
    topic TEXT NOT NULL,
    aggregate_id TEXT,
    schema_version INTEGER NOT NULL,
    occurred_at TIMESTAMPTZ,
    day DATE,
    payload JSON
)
"""


class ColdStore:
    """A DuckDB file of events (thread-safe: one cursor per call)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._db = duckdb.connect(str(self.path))
        self._lock = threading.Lock()
        self._db.execute(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def ingest(self, messages: Iterable[InboxMessage]) -> int:
        """Store ``messages`` in one transaction; return how many were new. A
        ``WatchExpired`` deletes the ``TitleWatched`` it expires (retention upstream)."""
        messages = list(messages)
        rows = [
            (
                str(m.id),
                m.type,
                m.topic,
                m.key,
                m.schema_version,
                m.timestamp,
                m.timestamp.date() if m.timestamp else None,
                json.dumps(m.payload),
            )
            for m in messages
        ]
        if not rows:
            return 0
        with self._lock:
            cursor = self._db.cursor()
            try:
                cursor.execute("BEGIN")
                before = self._count(cursor)
                cursor.executemany(
                    "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    rows,
                )
                added = self._count(cursor) - before
                self._forget_expired(cursor, messages)
                cursor.execute("COMMIT")
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
            finally:
                cursor.close()
        return added

    @staticmethod
    def _forget_expired(cursor: duckdb.DuckDBPyConnection, messages: list[InboxMessage]) -> None:
        """A retention deletion upstream (``WatchExpired``) deletes the event it expires:
        the cold store keeps no more than the service that owned the row."""
        expired = [
            str(m.payload["watch_id"])
            for m in messages
            if m.type == "WatchExpired" and isinstance(m.payload, dict)
        ]
        if expired:
            cursor.executemany(
                "DELETE FROM events WHERE type = 'TitleWatched' AND payload->>'watch_id' = ?",
                [[watch_id] for watch_id in expired],
            )

    @staticmethod
    def _count(cursor: duckdb.DuckDBPyConnection) -> int:
        found = cursor.execute("SELECT count(*) FROM events").fetchone()
        return int(found[0]) if found else 0

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor inside one DuckDB transaction (committed on exit, rolled back on error)."""
        with self._lock:
            cursor = self._db.cursor()
            try:
                cursor.execute("BEGIN")
                yield cursor
                cursor.execute("COMMIT")
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
            finally:
                cursor.close()

    def query(self, sql: str, parameters: list[Any] | None = None) -> list[tuple[Any, ...]]:
        cursor = self._db.cursor()
        try:
            return cursor.execute(sql, parameters or []).fetchall()
        finally:
            cursor.close()

    def export_parquet(self, directory: Path) -> list[Path]:
        """Write every event as Parquet, one ``day=YYYY-MM-DD`` folder per day."""
        directory.mkdir(parents=True, exist_ok=True)
        cursor = self._db.cursor()
        try:
            cursor.execute(
                f"COPY (SELECT * FROM events WHERE day IS NOT NULL) TO '{directory}' "
                "(FORMAT PARQUET, PARTITION_BY (day), OVERWRITE_OR_IGNORE)"
            )
        finally:
            cursor.close()
        return sorted(directory.rglob("*.parquet"))

    # -- reports ---------------------------------------------------------------------------

    def registrations_per_day(self) -> list[tuple[date, int]]:
        rows = self.query(
            "SELECT day, count(*) FROM events WHERE type = 'UserRegistered' "
            "AND payload->>'action' = 'create' GROUP BY day ORDER BY day"
        )
        return [(row[0], int(row[1])) for row in rows]

    def watch_time_per_title(self) -> list[tuple[str, int, int]]:
        """(title, seconds watched, views), most watched first."""
        rows = self.query(
            "SELECT payload->>'title' AS title, sum(CAST(payload->>'seconds' AS BIGINT)), "
            "count(*) FROM events WHERE type = 'TitleWatched' "
            "GROUP BY title ORDER BY 2 DESC, title"
        )
        return [(str(row[0]), int(row[1]), int(row[2])) for row in rows]
