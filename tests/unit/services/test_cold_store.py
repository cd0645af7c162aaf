"""reporting's cold store: a redelivered event is stored once; reports and the Parquet
export are computed from the DuckDB file alone."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from postroom.inbox import InboxMessage
from postroom.outbox import wire
from postroom.services.events import TitleWatched, UserRegistered
from postroom.services.reporting import ColdStore


def message(payload: dict[str, object], event_type: str, topic: str, at: datetime) -> InboxMessage:
    headers = {wire.TIMESTAMP_HEADER: wire.format_timestamp(at)}
    return InboxMessage(uuid.uuid4(), event_type, "k", payload, headers, topic, 0, 0)


def watched(title: str, seconds: int, at: datetime) -> InboxMessage:
    payload = {"title": title, "seconds": seconds}
    return message(payload, TitleWatched.event_type, "outbox.event.watch", at)


def registered(at: datetime) -> InboxMessage:
    payload = {"user_id": str(uuid.uuid4()), "action": "create"}
    return message(payload, UserRegistered.event_type, "outbox.event.user", at)


def test_a_redelivered_event_counts_once(tmp_path: Path) -> None:
    store = ColdStore(tmp_path / "cold.duckdb")
    first = watched("Metropolis", 600, datetime(2026, 11, 1, tzinfo=UTC))

    assert store.ingest([first, watched("Sunrise", 60, datetime(2026, 11, 1, tzinfo=UTC))]) == 2
    assert store.ingest([first]) == 0

    assert store.watch_time_per_title() == [("Metropolis", 600, 1), ("Sunrise", 60, 1)]
    store.close()


def test_registrations_per_day_and_a_parquet_folder_per_day(tmp_path: Path) -> None:
    store = ColdStore(tmp_path / "cold.duckdb")
    days = [datetime(2026, 11, d, 12, tzinfo=UTC) for d in (1, 1, 2)]
    store.ingest([registered(at) for at in days])

    assert [(d.isoformat(), n) for d, n in store.registrations_per_day()] == [
        ("2026-11-01", 2),
        ("2026-11-02", 1),
    ]
    files = store.export_parquet(tmp_path / "parquet")
    store.close()

    assert sorted({path.parent.name for path in files}) == ["day=2026-11-01", "day=2026-11-02"]
    total = duckdb.sql(f"SELECT count(*) FROM read_parquet('{tmp_path}/parquet/**/*.parquet')")
    assert total.fetchall() == [(3,)]
