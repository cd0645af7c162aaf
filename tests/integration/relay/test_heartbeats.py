"""Heartbeats keep a quiet database's replication slot advancing.

Two databases share one PostgreSQL server and so one WAL. The quiet one publishes
nothing while the busy one writes; without heartbeats the quiet slot would pin that WAL.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from postroom.connectors import ConnectorConfig, Relay, RelaySource
from postroom.devstack import EmbeddedStack

MakeDatabase = Callable[..., tuple[str, sa.Engine]]


def confirmed_flush_lsn(engine: sa.Engine, slot: str) -> int:
    with engine.connect() as connection:
        lsn = connection.execute(
            sa.text(
                "SELECT confirmed_flush_lsn - '0/0'::pg_lsn FROM pg_replication_slots "
                "WHERE slot_name = :slot"
            ),
            {"slot": slot},
        ).scalar_one()
        return int(lsn)


def busy_writes(engine: sa.Engine, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE IF NOT EXISTS busy (n int, pad text)"))
    while time.monotonic() < deadline:
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO busy SELECT g, repeat('x', 200) FROM generate_series(1, 500) g"
                )
            )
        time.sleep(0.05)


def slot_progress(
    stack: EmbeddedStack, new_database: MakeDatabase, state_dir: Path, heartbeat_ms: int
) -> tuple[int, int, int]:
    quiet_url, quiet = new_database("quiet")
    _, busy = new_database("busy")
    name = f"quiet_hb{heartbeat_ms}"
    config = ConnectorConfig.from_url(name, quiet_url, heartbeat_interval_ms=heartbeat_ms)
    with Relay(
        [RelaySource(config, quiet_url)],
        bootstrap_servers=stack.bootstrap_servers,
        state_dir=state_dir,
    ) as relay:
        relay.wait_streaming()
        slot = relay.sources[0].connector.slot_name  # the one the migration created
        before = confirmed_flush_lsn(quiet, slot)
        busy_writes(busy, 4.0)
        time.sleep(2.0)
        after = confirmed_flush_lsn(quiet, slot)
        with quiet.connect() as connection:
            beats = connection.execute(sa.text("SELECT count(*) FROM postroom_heartbeat")).scalar()
    assert not relay.errors
    return before, after, int(beats or 0)


@pytest.mark.slow
def test_a_quiet_databases_slot_advances_while_other_databases_write(
    stack: EmbeddedStack, new_database: MakeDatabase, state_dir: Path
) -> None:
    before, after, beats = slot_progress(stack, new_database, state_dir, heartbeat_ms=300)

    assert beats == 1, "the heartbeat query upserts its one row"
    assert after > before, "confirmed_flush_lsn must move past the other database's WAL"


@pytest.mark.slow
def test_without_heartbeats_the_quiet_slot_stays_where_it_was(
    stack: EmbeddedStack, new_database: MakeDatabase, state_dir: Path
) -> None:
    before, after, beats = slot_progress(stack, new_database, state_dir, heartbeat_ms=0)

    assert beats == 0
    assert after == before
