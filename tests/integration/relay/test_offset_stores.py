"""Offsets kept outside the state directory: a relay that lost its disk resumes exactly.

The relay relays a first batch, is stopped, and its state directory is deleted (a new
machine). Events are written while it is down. Restarted with the same offset store,
it relays the second batch and not the first again: no loss, no replay from the start.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from postroom.connectors import ConnectorConfig, Relay, RelaySource
from postroom.connectors.relay import OffsetStore, offsets_table
from postroom.devstack import EmbeddedStack
from postroom.outbox import Event, publish
from tests.integration.conftest import eventually
from tests.integration.relay.conftest import read_topic

MakeDatabase = Callable[..., tuple[str, sa.Engine]]
BATCH = 300


def write(engine: sa.Engine, kind: str, count: int) -> set[str]:
    events = [
        Event(aggregate_type=kind, aggregate_id=f"a{n % 7}", type="Written", payload={"n": n})
        for n in range(count)
    ]
    with Session(engine) as session, session.begin():
        for event in events:
            publish(session, event)
    return {str(event.id) for event in events}


def relayed_ids(stack: EmbeddedStack, kind: str) -> Counter[str]:
    records = read_topic(stack.bootstrap_servers, f"outbox.event.{kind}", idle_s=0.5)
    return Counter(record.headers["id"].decode() for record in records)


def move_relay(
    store: OffsetStore, stack: EmbeddedStack, new_database: MakeDatabase, tmp_path: Path
) -> tuple[set[str], Counter[str]]:
    """Relay a batch, stop, delete the state directory, write a batch, restart elsewhere,
    write a batch; return the first batch's ids and how often each id was relayed."""
    url, engine = new_database(f"moved_{store}")
    kind = f"moved_{store}"
    config = ConnectorConfig.from_url(url.rsplit("/", 1)[1], url, aggregate_types=(kind,))

    def relay(state_dir: Path) -> Relay:
        return Relay(
            [RelaySource(config, url)],
            bootstrap_servers=stack.bootstrap_servers,
            state_dir=state_dir,
            offset_store=store,
        )

    first_dir = tmp_path / "machine-a"
    with relay(first_dir) as first:
        first.wait_streaming()
        before = write(engine, kind, BATCH)
        eventually(lambda: set(relayed_ids(stack, kind)) >= before, what="the first batch")
    if store == "database":
        with engine.connect() as connection:
            stored = (
                connection.execute(sa.text(f'SELECT offset_val FROM "{offsets_table(config)}"'))
                .scalars()
                .all()
            )
        assert any('"lsn' in value for value in stored), stored
    shutil.rmtree(first_dir)
    while_down = write(engine, kind, BATCH)

    with relay(tmp_path / "machine-b") as second:
        second.wait_streaming()
        eventually(
            lambda: set(relayed_ids(stack, kind)) >= before | while_down,
            what="the events written while the relay was down",
        )
        after = write(engine, kind, BATCH)
        eventually(lambda: set(relayed_ids(stack, kind)) >= after, what="new events")

    counts = relayed_ids(stack, kind)
    assert set(counts) == before | while_down | after, "nothing lost, nothing foreign"
    return before, counts


@pytest.mark.parametrize("store", ["database", pytest.param("kafka", marks=pytest.mark.kafka)])
def test_a_relay_restarted_without_its_state_directory_resumes_where_it_stopped(
    store: OffsetStore, stack: EmbeddedStack, new_database: MakeDatabase, tmp_path: Path
) -> None:
    before, counts = move_relay(store, stack, new_database, tmp_path)

    replayed = [event_id for event_id in before if counts[event_id] > 1]
    assert replayed == [], f"{len(replayed)} events of the first batch were relayed again"


def test_with_file_offsets_a_lost_state_directory_means_replay(
    stack: EmbeddedStack, new_database: MakeDatabase, tmp_path: Path
) -> None:
    """Why the other stores exist: the slot alone does not stop a replay."""
    before, counts = move_relay("file", stack, new_database, tmp_path)

    assert sum(counts[event_id] > 1 for event_id in before) > 0
