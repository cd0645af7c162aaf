"""The relay reads the outbox settings its database recorded when migrated: it refuses a
mode that disagrees, finds a service's schema and table without being told, and refuses
to start where the capture the migration made is gone."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from postroom import migrations
from postroom.connectors import ConnectorConfig, ModeMismatchError, Relay, RelaySource
from postroom.devstack import EmbeddedStack
from postroom.errors import RelayError
from postroom.outbox import Event, Outbox, OutboxMode
from tests.integration.relay.conftest import wait_for_ids
from tests.integration.relay.relay_process import RelayProcess

_names = itertools.count()


def migrated(stack: EmbeddedStack, **settings: object) -> str:
    url = stack.postgres.create_database(f"recorded_{next(_names)}")
    migrations.upgrade(url, settings=migrations.MigrationSettings(**settings))  # type: ignore[arg-type]
    return url


@pytest.mark.parametrize(
    ("relay_mode", "recorded"), [("table", "wal-message"), ("wal-message", "table")]
)
def test_a_relay_whose_mode_disagrees_with_the_record_refuses_to_start_naming_both(
    stack: EmbeddedStack, tmp_path: Path, relay_mode: OutboxMode, recorded: OutboxMode
) -> None:
    url = migrated(stack, mode=recorded)
    config = ConnectorConfig.from_url("mismatch", url, mode=relay_mode)
    relay = Relay([RelaySource(config, url)], bootstrap_servers="127.0.0.1:1", state_dir=tmp_path)

    with pytest.raises(ModeMismatchError) as caught:
        relay.start()

    message = str(caught.value)
    assert f"connector 'mismatch' is configured with mode={relay_mode!r}" in message
    assert f"was migrated for mode {recorded!r}" in message
    assert message.endswith(
        "the relay refuses to start. Leave these settings out to follow the database's record"
    )
    assert not relay.sinks, "nothing was started"


@pytest.mark.slow
def test_postroom_relay_finds_a_service_schema_and_outbox_table_from_the_record(
    stack: EmbeddedStack, tmp_path: Path
) -> None:
    url = migrated(stack, schema="shop", outbox_table="shop_outbox")
    engine = sa.create_engine(url)
    events = [
        Event(aggregate_type="shop", aggregate_id=f"cart-{n}", type="CartChanged", payload={})
        for n in range(20)
    ]
    try:
        with Session(engine) as session, session.begin():
            for event in events:  # schema says where the record is; the table comes from it
                Outbox(schema="shop").publish(session, event)
    finally:
        engine.dispose()

    # Only the source: no --mode, no --schema, no table.
    relay = RelayProcess({"shop": url}, stack.bootstrap_servers, tmp_path)
    try:
        relay.start()
        wait_for_ids(stack.bootstrap_servers, "outbox.event.shop", {e.id for e in events})
    finally:
        relay.stop()


def test_a_relay_refuses_to_start_when_the_recorded_slot_is_gone(
    stack: EmbeddedStack, tmp_path: Path
) -> None:
    url = migrated(stack)
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        slot = connection.execute(
            sa.text("SELECT slot_name FROM postroom_outbox_settings")
        ).scalar()
        connection.execute(sa.text("SELECT pg_drop_replication_slot(:s)"), {"s": slot})
    engine.dispose()
    relay = Relay(
        [RelaySource(ConnectorConfig.from_url("gone", url), url)],
        bootstrap_servers="127.0.0.1:1",
        state_dir=tmp_path,
    )

    with pytest.raises(RelayError) as caught:
        relay.start()

    assert str(caught.value).startswith(f"replication slot {slot!r}, which database ")
    assert "run `postroom migrate capture --database-url URL`" in str(caught.value)


def test_a_relay_refuses_a_database_that_records_no_outbox(
    stack: EmbeddedStack, tmp_path: Path
) -> None:
    url = stack.postgres.create_database(f"recorded_{next(_names)}")
    migrations.upgrade(url, revision="0004")
    relay = Relay(
        [RelaySource(ConnectorConfig.from_url("old", url), url)],
        bootstrap_servers="127.0.0.1:1",
        state_dir=tmp_path,
    )

    with pytest.raises(RelayError, match="has no outbox settings record") as caught:
        relay.start()

    assert "run `postroom migrate upgrade --database-url URL`" in str(caught.value)
