"""Each way the relay can't run says why, and what to do, in its message."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from postroom.connectors import (
    ConnectorConfig,
    MissingPrivilegeError,
    Relay,
    RelaySource,
    SlotInUseError,
    StaleOffsetsError,
    WalLevelError,
    ensure_replication,
)
from postroom.devstack import EmbeddedPostgres, EmbeddedStack, free_port
from postroom.errors import BrokerUnavailableError
from postroom.outbox import Event, publish

MakeDatabase = Callable[..., tuple[str, sa.Engine]]


def test_wal_level_replica_is_refused_with_the_fix(
    postgres15: EmbeddedPostgres, tmp_path: Path
) -> None:
    url = postgres15.url()  # a stock PostgreSQL 15: wal_level=replica
    config = ConnectorConfig.from_url("system", url)

    relay = Relay([RelaySource(config, url)], bootstrap_servers="x:1", state_dir=tmp_path)

    with pytest.raises(WalLevelError) as caught:
        relay.start()

    assert str(caught.value) == (
        f"database 'postgres' on 127.0.0.1:{postgres15.port} runs with wal_level=replica; "
        "Debezium needs wal_level=logical: run ALTER SYSTEM SET wal_level = logical; then "
        "restart PostgreSQL"
    )


def test_a_role_without_replication_is_told_to_get_it(new_database: MakeDatabase) -> None:
    url, engine = new_database("privileges")
    with engine.begin() as connection:
        connection.execute(sa.text("DROP ROLE IF EXISTS reader_norepl"))
        connection.execute(sa.text("CREATE ROLE reader_norepl LOGIN"))
    config = replace(ConnectorConfig.from_url("privileges", url), user="reader_norepl")

    with pytest.raises(MissingPrivilegeError) as caught:
        ensure_replication(config, url)

    assert str(caught.value) == (
        f"role 'reader_norepl' may not stream changes from {config.database!r}: run "
        'ALTER ROLE "reader_norepl" WITH REPLICATION'
    )


def test_a_role_that_cannot_read_the_outbox_is_told_which_grant(
    new_database: MakeDatabase,
) -> None:
    url, engine = new_database("privileges")
    with engine.begin() as connection:
        connection.execute(sa.text("DROP ROLE IF EXISTS reader_noselect"))
        connection.execute(sa.text("CREATE ROLE reader_noselect LOGIN REPLICATION"))
    config = replace(ConnectorConfig.from_url("privileges", url), user="reader_noselect")

    with pytest.raises(MissingPrivilegeError) as caught:
        ensure_replication(config, url)

    assert str(caught.value) == (
        "role 'reader_noselect' lacks SELECT on public.outbox: run "
        'GRANT SELECT ON "public"."outbox" TO "reader_noselect"'
    )


def test_a_slot_held_by_another_relay_is_refused(
    stack: EmbeddedStack, new_database: MakeDatabase, tmp_path: Path
) -> None:
    url, _ = new_database("taken")
    config = ConnectorConfig.from_url("taken", url)
    with Relay(
        [RelaySource(config, url)], bootstrap_servers=stack.bootstrap_servers, state_dir=tmp_path
    ) as first:
        first.wait_streaming()

        with pytest.raises(SlotInUseError) as caught:
            Relay(
                [RelaySource(config, url)],
                bootstrap_servers=stack.bootstrap_servers,
                state_dir=tmp_path / "second",
            ).start()

    message = str(caught.value)
    assert message.startswith(
        f"replication slot 'postroom_taken' on database {config.database!r} is held by "
        "another consumer (backend PID "
    )
    assert message.endswith(
        "stop that relay first (a slot has exactly one reader), or give this connector its "
        "own slot_name"
    )
    assert caught.value.retriable


def test_offsets_from_another_database_are_refused_by_name(
    stack: EmbeddedStack, new_database: MakeDatabase, tmp_path: Path
) -> None:
    first_url, first_engine = new_database("offsets_a")
    second_url, _ = new_database("offsets_b")
    first = ConnectorConfig.from_url("orders", first_url, slot_name="orders_a")
    second = ConnectorConfig.from_url("orders", second_url, slot_name="orders_b")
    with Relay(
        [RelaySource(first, first_url)],
        bootstrap_servers=stack.bootstrap_servers,
        state_dir=tmp_path,
    ) as relay:
        relay.wait_streaming()
        with Session(first_engine) as session, session.begin():
            publish(session, Event(aggregate_type="o", aggregate_id="1", type="T", payload={}))
        deadline = time.monotonic() + 30
        while relay.relayed < 1 and time.monotonic() < deadline:
            time.sleep(0.05)

    with pytest.raises(StaleOffsetsError) as caught:
        Relay(
            [RelaySource(second, second_url)],
            bootstrap_servers=stack.bootstrap_servers,
            state_dir=tmp_path,
        ).start()

    message = str(caught.value)
    assert f"the offsets in {tmp_path / 'orders.offsets'} were read from database" in message
    assert f"{first.database!r}" in message
    assert f"but this connector reads {second.database!r}" in message
    assert "Use another state directory or connector name for this database" in message


def test_an_unreachable_broker_is_refused_before_reading_anything(
    new_database: MakeDatabase, tmp_path: Path
) -> None:
    url, _ = new_database("nobroker")
    port = free_port()
    relay = Relay(
        [RelaySource(ConnectorConfig.from_url("nobroker", url), url)],
        bootstrap_servers=f"127.0.0.1:{port}",
        state_dir=tmp_path,
        bootstrap_timeout_ms=2000,
    )

    with pytest.raises(BrokerUnavailableError) as caught:
        relay.start()
    with contextlib.suppress(Exception):
        relay.stop()

    assert str(caught.value).startswith(f"no Kafka broker answers at 127.0.0.1:{port} (")
    assert str(caught.value).endswith(
        "check bootstrap_servers and that the brokers are up; nothing was read from the slots"
    )
    assert caught.value.retriable


def test_offsets_debezium_refuses_are_named_not_reset(
    stack: EmbeddedStack, new_database: MakeDatabase, tmp_path: Path
) -> None:
    first_url, first_engine = new_database("offsets_c")
    second_url, _ = new_database("offsets_d")
    first = ConnectorConfig.from_url("billing", first_url, slot_name="billing_c")
    second = ConnectorConfig.from_url("billing", second_url, slot_name="billing_d")
    with Relay(
        [RelaySource(first, first_url)],
        bootstrap_servers=stack.bootstrap_servers,
        state_dir=tmp_path,
    ) as relay:
        relay.wait_streaming()
        with Session(first_engine) as session, session.begin():
            publish(session, Event(aggregate_type="b", aggregate_id="1", type="T", payload={}))
        deadline = time.monotonic() + 30
        while relay.relayed < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
    # Without the identity file (offsets copied by hand, or from an older Postroom) it is
    # Debezium itself that refuses; the relay must say what that means.
    (tmp_path / "billing.identity.json").unlink()
    # The second database's slot is created after the first relay's last offset.
    with sa.create_engine(first_url).begin() as connection:
        connection.execute(sa.text("SELECT pg_switch_wal()"))

    relay = Relay(
        [RelaySource(second, second_url)],
        bootstrap_servers=stack.bootstrap_servers,
        state_dir=tmp_path,
    ).start()
    try:
        with pytest.raises(StaleOffsetsError) as caught:
            relay.wait_streaming(timeout=30)
    finally:
        relay.stop()

    assert str(caught.value).startswith(
        f"connector 'billing': Debezium refuses the stored offsets in "
        f"{tmp_path / 'billing.offsets'}: they point at WAL its slot no longer holds"
    )
    assert "Postroom never resets offsets silently" in str(caught.value)
