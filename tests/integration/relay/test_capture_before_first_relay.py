"""Events published before any relay ever ran are relayed when it first starts, in every mode.

The migration records the outbox mode and creates the replication slot, so PostgreSQL
keeps the WAL that carries each event for it: a WAL segment switch and a checkpoint (which
would otherwise recycle that WAL) lose nothing, and the relay, started last, adopts the
slot and relays everything, in order per aggregate.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from postroom import migrations
from postroom.connectors import ConnectorConfig, Relay, RelaySource
from postroom.devstack import EmbeddedStack
from postroom.outbox import Event, OutboxMode, publish
from tests.integration.relay.conftest import wait_for_ids

EVENTS = 1_000
AGGREGATES = 10


def publish_before_any_relay(engine: sa.Engine, kind: str) -> list[Event]:
    """``EVENTS`` events over ``AGGREGATES`` aggregates, 50 per transaction, each with its
    sequence number within its aggregate."""
    events = [
        Event(
            aggregate_type=kind,
            aggregate_id=f"order-{n % AGGREGATES}",
            type="OrderChanged",
            payload={"seq": n // AGGREGATES},
        )
        for n in range(EVENTS)
    ]
    for start in range(0, EVENTS, 50):
        with Session(engine) as session, session.begin():
            for event in events[start : start + 50]:
                publish(session, event)  # the Outbox follows the mode the database recorded
    return events


def recycle_wal(engine: sa.Engine, slot: str) -> None:
    """Switch to a new WAL segment and checkpoint; prove the slot is what keeps the events."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("SELECT pg_switch_wal()"))
        connection.execute(sa.text("CHECKPOINT"))
        kept_from, redo = connection.execute(
            sa.text(
                "SELECT s.restart_lsn, c.redo_lsn FROM pg_replication_slots s, "
                "pg_control_checkpoint() c WHERE s.slot_name = :slot"
            ),
            {"slot": slot},
        ).one()
        behind = connection.execute(
            sa.text("SELECT CAST(:redo AS pg_lsn) - CAST(:kept AS pg_lsn)"),
            {"redo": redo, "kept": kept_from},
        ).scalar_one()
    # Without the slot, everything before the checkpoint's redo point could be recycled.
    assert behind > 0


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["table", "retain", "wal-message"])
def test_events_published_before_the_first_relay_start_all_arrive_in_order(
    stack: EmbeddedStack, tmp_path: Path, mode: OutboxMode
) -> None:
    name = f"early_{mode.replace('-', '_')}"
    url = stack.postgres.create_database(name)
    migrations.upgrade(url, settings=migrations.MigrationSettings(mode=mode))
    engine = sa.create_engine(url)
    try:
        events = publish_before_any_relay(engine, name)
        recycle_wal(engine, slot=f"postroom_{name}")
    finally:
        engine.dispose()

    # First start ever; the relay is told no mode: it adopts the recorded one.
    relay = Relay(
        [RelaySource(ConnectorConfig.from_url(name, url, aggregate_types=(name,)), url)],
        bootstrap_servers=stack.bootstrap_servers,
        state_dir=tmp_path,
    )
    with relay:
        records = wait_for_ids(
            stack.bootstrap_servers, f"outbox.event.{name}", {e.id for e in events}, timeout=120
        )
    assert not relay.errors
    assert relay.sources[0].connector.mode == mode

    assert len(records) == EVENTS
    by_aggregate: dict[bytes, list[int]] = defaultdict(list)
    for record in records:  # partition order; each aggregate's key lives on one partition
        by_aggregate[record.key or b""].append(json.loads(record.value or b"")["seq"])
    assert len(by_aggregate) == AGGREGATES
    for sequence in by_aggregate.values():
        assert sequence == list(range(EVENTS // AGGREGATES))
