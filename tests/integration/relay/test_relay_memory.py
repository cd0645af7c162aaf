"""A long-running relay holds its memory: nothing is left behind per batch.

JPype gives a Java thread calling into Python a fresh Python thread state per call, and
JPype 1.7.1 leaks a type object for each fresh state. The relay keeps one thread state
on its engine thread, so batches after the first leave no new type behind.
"""

from __future__ import annotations

import gc
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from postroom.connectors import ConnectorConfig, Relay, RelaySource
from postroom.devstack import EmbeddedStack
from postroom.outbox import Event, publish
from tests.integration.relay.conftest import wait_for_ids

MakeDatabase = Callable[..., tuple[str, sa.Engine]]

BATCHES = 30


def jpype_allocation_types() -> int:
    """How many of JPype's per-thread-state allocation types exist."""
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, type) and o.__qualname__ == "_JAlloc")


def publish_one(engine: sa.Engine) -> uuid.UUID:
    event = Event(aggregate_type="memory", aggregate_id="a", type="Touched", payload={})
    with Session(engine) as session, session.begin():
        publish(session, event)
    return event.id


def test_batches_leave_no_python_objects_behind_in_the_relay(
    stack: EmbeddedStack, new_database: MakeDatabase, state_dir: Path
) -> None:
    url, engine = new_database("memory")
    config = ConnectorConfig.from_url("memory", url)
    with Relay(
        [RelaySource(config, url)], bootstrap_servers=stack.bootstrap_servers, state_dir=state_dir
    ) as relay:
        relay.wait_streaming()
        first = publish_one(engine)
        wait_for_ids(stack.bootstrap_servers, "outbox.event.memory", {first})
        before = jpype_allocation_types()
        ids = set()
        for _ in range(BATCHES):  # apart, so each is its own batch
            ids.add(publish_one(engine))
            time.sleep(0.05)
        wait_for_ids(stack.bootstrap_servers, "outbox.event.memory", ids)
        after = jpype_allocation_types()

    assert not relay.errors
    assert after - before <= 1, f"{after - before} types left behind by {BATCHES} batches"
