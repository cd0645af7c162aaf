"""The three outbox modes relay the same event as the same Kafka record.

One relay, three service databases, one per mode (``table``, ``retain``, ``wal-message``),
real Debezium in between. Each test publishes one event with the same id into all three
and compares what reached the broker: topic, key, headers and payload.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from postroom import migrations
from postroom.connectors import ConnectorConfig, Relay, RelaySource
from postroom.devstack import EmbeddedStack
from postroom.outbox import Event, Outbox, OutboxMode
from tests.integration.relay.conftest import Produced, wait_for_ids

MODES: tuple[OutboxMode, ...] = ("table", "retain", "wal-message")
_topics = itertools.count()


@dataclass
class ModeRig:
    bootstrap_servers: str
    engines: dict[OutboxMode, sa.Engine]
    relay: Relay

    def publish_everywhere(self, event: Event) -> None:
        for mode, engine in self.engines.items():
            with Session(engine) as session, session.begin():
                Outbox(mode=mode).publish(session, event)


@pytest.fixture(scope="module")
def rig(stack: EmbeddedStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModeRig]:
    engines: dict[OutboxMode, sa.Engine] = {}
    sources = []
    for mode in MODES:
        name = f"mode_{mode.replace('-', '_')}"
        url = stack.postgres.create_database(name)
        migrations.upgrade(url, settings=migrations.MigrationSettings(mode=mode))
        engines[mode] = sa.create_engine(url)
        sources.append(RelaySource(ConnectorConfig.from_url(name, url, mode=mode), url))
    relay = Relay(
        sources,
        bootstrap_servers=stack.bootstrap_servers,
        state_dir=Path(tmp_path_factory.mktemp("modes")),
    ).start()
    try:
        relay.wait_streaming()
        yield ModeRig(stack.bootstrap_servers, engines, relay)
    finally:
        relay.stop()
        for engine in engines.values():
            engine.dispose()
    assert not relay.errors


def full_event(payload: dict[str, object] | None, *, microsecond: int = 120000) -> Event:
    return Event(
        aggregate_type=f"modes{next(_topics)}",
        aggregate_id="order-7",
        type="OrderPlaced",
        payload=payload,
        timestamp=datetime(2026, 11, 23, 10, 30, 15, microsecond, tzinfo=UTC),
        traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        correlation_id="corr-1",
        causation_id="cause-1",
        subject_id="user-9",
        tenant="acme",
        schema_version=2,
    )


def relayed(rig: ModeRig, event: Event) -> list[Produced]:
    topic = f"outbox.event.{event.aggregate_type}"
    records = wait_for_ids(rig.bootstrap_servers, topic, {event.id}, copies=len(MODES))
    assert len(records) == len(MODES), "each mode relays the event exactly once"
    return records


def expected_headers(event: Event) -> dict[str, bytes]:
    return {
        "id": str(event.id).encode(),
        "eventType": b"OrderPlaced",
        "timestamp": b"2026-11-23T10:30:15.120000Z",
        "schemaVersion": b"2",
        "traceparent": (event.traceparent or "").encode(),
        "correlationId": b"corr-1",
        "causationId": b"cause-1",
        "subjectId": b"user-9",
        "tenant": b"acme",
    }


def test_every_mode_relays_the_same_topic_key_headers_and_payload(rig: ModeRig) -> None:
    event = full_event({"order_id": "o-7", "items": [1, 2], "total": 12.5, "gift": False})
    rig.publish_everywhere(event)

    records = relayed(rig, event)

    table, retain, wal_message = records
    assert table == retain == wal_message
    assert table.topic == f"outbox.event.{event.aggregate_type}"
    assert table.key == b"order-7"
    assert table.headers == expected_headers(event)
    assert json.loads(table.value or b"") == event.payload


def test_every_mode_relays_a_null_payload_as_the_same_tombstone(rig: ModeRig) -> None:
    event = full_event(None, microsecond=0)
    rig.publish_everywhere(event)

    records = relayed(rig, event)

    assert all(record == records[0] for record in records)
    assert records[0].headers["timestamp"] == b"2026-11-23T10:30:15.000000Z"
    assert records[0].value is None
    assert records[0].key == b"order-7"


def test_every_mode_relays_an_event_without_optional_fields_identically(rig: ModeRig) -> None:
    event = Event(
        aggregate_type=f"modes{next(_topics)}",
        aggregate_id="user-ä",
        type="UserRegistered",
        payload={"name": "Zoë", "nested": {"b": 1, "a": [None, True]}},
    )
    rig.publish_everywhere(event)

    records = relayed(rig, event)

    assert all(record == records[0] for record in records)
    assert records[0].key == "user-ä".encode()
    assert set(records[0].headers) == {"id", "eventType", "timestamp", "schemaVersion"}
    assert json.loads(records[0].value or b"") == event.payload
