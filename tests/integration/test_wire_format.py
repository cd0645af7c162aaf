"""``inbox.testing.record_for(event)`` is the record the real relay produces for ``event``:
same topic, key, value and headers, header for header."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from kafka import KafkaConsumer
from sqlalchemy.orm import Session

from postroom.connectors import ConnectorConfig, Relay, RelaySource, ensure_topics
from postroom.devstack import EmbeddedStack
from postroom.inbox.testing import record_for
from postroom.outbox import Event, Outbox, OutboxMode, publish, wire

MakeDatabase = Callable[..., tuple[str, sa.Engine]]


def full_event(aggregate_type: str, moment: datetime) -> Event:
    return Event(
        aggregate_type=aggregate_type,
        aggregate_id="order-7",
        type="OrderPlaced",
        payload={"b": [1, 2.5, None], "a": "ü", "nested": {"z": True}},
        timestamp=moment,
        schema_version=3,
        traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        correlation_id="corr-1",
        causation_id="cause-1",
        subject_id="user-9",
        tenant="acme",
    )


def relayed(
    stack: EmbeddedStack, engine: sa.Engine, url: str, mode: OutboxMode, event: Event, state: Path
) -> object:
    """Publish ``event`` through the real relay and read back the record it produced."""
    config = ConnectorConfig.from_url(f"{sa.make_url(url).database}", url, mode=mode)
    topic = wire.topic_for(event.aggregate_type)
    relay = Relay(
        [RelaySource(config, url)], bootstrap_servers=stack.bootstrap_servers, state_dir=state
    ).start()
    try:
        relay.wait_streaming()
        with Session(engine) as session, session.begin():
            publish(session, event, outbox=Outbox(mode=mode))
        consumer = KafkaConsumer(
            topic,
            bootstrap_servers=stack.bootstrap_servers,
            auto_offset_reset="earliest",
            consumer_timeout_ms=30_000,
        )
        try:
            return next(iter(consumer))
        finally:
            consumer.close()
    finally:
        relay.stop()


@pytest.mark.parametrize("mode", ["table", "retain", "wal-message"])
@pytest.mark.parametrize(
    "moment",
    [datetime(2026, 11, 23, 10, 0, 0, 120000, UTC), datetime(2026, 11, 23, 10, 0, 0, tzinfo=UTC)],
    ids=["fraction", "whole-second"],
)
def test_record_for_equals_what_the_relay_produces(
    stack: EmbeddedStack,
    new_database: MakeDatabase,
    tmp_path: Path,
    mode: OutboxMode,
    moment: datetime,
) -> None:
    url, engine = new_database("wire", mode=mode)
    if mode == "retain":
        from postroom.outbox import create_retained_partitions

        with engine.begin() as connection:
            create_retained_partitions(connection, days=2, start=moment.date())
    aggregate_type = f"wire{tmp_path.name[-6:].replace('-', '').replace('_', '')}"
    event = full_event(aggregate_type, moment)
    expected = record_for(event)
    ensure_topics(stack.bootstrap_servers, [expected.topic])

    record = relayed(stack, engine, url, mode, event, tmp_path / "state")

    assert record.topic == expected.topic  # type: ignore[attr-defined]
    assert record.key == expected.key  # type: ignore[attr-defined]
    assert json.loads(record.value) == json.loads(expected.value or b"null")  # type: ignore[attr-defined]
    assert list(record.headers) == expected.headers  # type: ignore[attr-defined]
