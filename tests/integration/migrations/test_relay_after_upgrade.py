"""Events still in the WAL when a service upgrades reach Kafka after it, through real Debezium.

The service uses its own schema, outbox name and an extra header column; the relay is
told none of them: it reads them from the outbox settings the migration recorded.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from kafka import KafkaConsumer, TopicPartition

from postroom import migrations
from postroom.connectors import ConnectorConfig, Relay, RelaySource, ensure_topics
from postroom.devstack import EmbeddedStack

SETTINGS = migrations.MigrationSettings(
    schema="orders", outbox_table="order_outbox", extra_header_columns={"region": "region"}
)
TOPIC = "outbox.event.migrated"


def write(engine: sa.Engine, count: int, *, keep: bool) -> list[str]:
    """``count`` events in one transaction: kept (retain) or inserted then deleted (table)."""
    table = sa.Table(
        SETTINGS.outbox_table, sa.MetaData(), schema=SETTINGS.schema, autoload_with=engine
    )
    rows: list[dict[str, Any]] = [
        {
            "id": uuid.uuid4(),
            "aggregatetype": "migrated",
            "aggregateid": f"a-{n}",
            "type": "Migrated",
            "payload": {"n": n},
            "timestamp": dt.datetime.now(dt.UTC),
            "region": "eu-west",
        }
        for n in range(count)
    ]
    with engine.begin() as connection:
        connection.execute(sa.insert(table), rows)
        if not keep:
            connection.execute(sa.delete(table).where(table.c.id.in_([r["id"] for r in rows])))
    return [str(row["id"]) for row in rows]


def consume(bootstrap_servers: str, expected: int, timeout: float = 60.0) -> dict[str, Any]:
    """Every record on TOPIC by its ``id`` header, until ``expected`` arrived or time is up."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap_servers, enable_auto_commit=False, fetch_max_wait_ms=50
    )
    seen: dict[str, Any] = {}
    try:
        consumer.assign([TopicPartition(TOPIC, p) for p in consumer.partitions_for_topic(TOPIC)])
        consumer.seek_to_beginning()
        deadline = time.monotonic() + timeout
        while len(seen) < expected and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=200).values():
                for record in records:
                    headers = dict(record.headers)
                    seen[headers["id"].decode()] = headers
    finally:
        consumer.close()
    return seen


def test_events_waiting_in_the_wal_during_an_upgrade_are_all_relayed_after_it(
    stack: EmbeddedStack, tmp_path: Path
) -> None:
    url = stack.postgres.create_database("migrated_writer")
    # Revision 0005 records the settings and, with ensure_capture right after it, creates
    # the slot: from here on, every commit waits in the slot.
    migrations.upgrade(url, settings=SETTINGS, revision="0005")
    connector = ConnectorConfig.from_url("migrated", url)
    ensure_topics(stack.bootstrap_servers, [TOPIC])
    engine = sa.create_engine(url)
    try:
        before = write(engine, 150, keep=False) + write(engine, 100, keep=True)
        migrations.upgrade(url, settings=SETTINGS)
        after = write(engine, 20, keep=False)
        with engine.connect() as connection:
            retained = connection.execute(
                sa.text(f"SELECT count(*) FROM {SETTINGS.schema}.{SETTINGS.outbox_table}")
            ).scalar_one()
    finally:
        engine.dispose()
    assert retained == 100

    with Relay(
        [RelaySource(connector, url)],
        bootstrap_servers=stack.bootstrap_servers,
        state_dir=tmp_path / "relay",
    ) as relay:
        relay.wait_streaming()
        seen = consume(stack.bootstrap_servers, expected=len(before) + len(after))
    assert not relay.errors

    missing = set(before + after) - set(seen)
    assert not missing, f"{len(missing)} events written around the upgrade were not relayed"
    assert {headers["region"] for headers in seen.values()} == {b"eu-west"}
