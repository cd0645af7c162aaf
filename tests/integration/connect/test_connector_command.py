"""``postroom connector`` against a live two-worker Kafka Connect cluster."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest
import sqlalchemy as sa

from postroom.cli import main
from postroom.connectors import KafkaConnectClient, drop_slot
from postroom.devstack import ConnectCluster

pytestmark = pytest.mark.connect

MakeDatabase = Callable[..., tuple[str, sa.Engine]]


def connectors(connect: ConnectCluster) -> list[str]:
    names: list[str] = httpx.get(f"{connect.url}/connectors").json()
    return names


def run(*argv: str) -> int:
    return main(list(argv))


def test_a_connector_is_registered_paused_resumed_updated_restarted_and_deleted(
    connect: ConnectCluster, new_database: MakeDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    url, _ = new_database("lifecycle")
    name = url.rsplit("/", 1)[1]
    where = ("--connect-url", connect.url)
    try:
        assert run("connector", "register", name, *where, "--database-url", url) == 0
        registered = json.loads(capsys.readouterr().out)
        assert registered["created"] is True
        assert registered["status"]["tasks"][0]["state"] == "RUNNING"

        assert run("connector", "pause", name, *where) == 0
        with KafkaConnectClient(connect.url) as client:
            client_status = _wait_state(client, name, "PAUSED")
        assert run("connector", "status", name, *where) == 1  # not RUNNING: exit 1
        assert client_status["connector"]["state"] == "PAUSED"

        assert run("connector", "resume", name, *where) == 0
        with KafkaConnectClient(connect.url) as client:
            _wait_state(client, name, "RUNNING")
        capsys.readouterr()

        assert run(
            "connector", "update", name, *where, "--database-url", url,
            "--set", "max.batch.size=512",
        ) == 0  # fmt: skip
        updated = json.loads(capsys.readouterr().out)
        assert updated["created"] is False
        assert updated["config"]["max.batch.size"] == "512"

        assert run("connector", "restart", name, *where) == 0
        assert run("connector", "status", name, *where) in (0, 1)  # restarting is fine
        with KafkaConnectClient(connect.url) as client:
            client.wait_running(name)
    finally:
        assert run("connector", "delete", name, *where) == 0
    assert name not in connectors(connect)
    with KafkaConnectClient(connect.url) as client:
        assert not client.exists(name)
    _drop_slot_when_released(url, f"postroom_{name}")


def _wait_state(client: KafkaConnectClient, name: str, state: str) -> dict[str, object]:
    import time

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = client.status(name)
        states = [status["connector"]["state"], *(t["state"] for t in status["tasks"])]
        if all(s == state for s in states):
            return status
        time.sleep(0.1)
    raise AssertionError(f"{name} did not reach {state}: {status}")


def _drop_slot_when_released(url: str, slot: str) -> None:
    import time

    deadline = time.monotonic() + 30
    while True:
        try:
            drop_slot(url, slot, force=True)
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_update_refuses_a_connector_that_is_not_registered(
    connect: ConnectCluster, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(
        "connector", "update", "never_registered", "--connect-url", connect.url,
        "--database-url", "postgresql://postgres@127.0.0.1:1/none",
    )  # fmt: skip

    assert code == 2
    assert capsys.readouterr().err == (
        f"error: connector 'never_registered' is not registered on {connect.url}: "
        "use `postroom connector register`\n"
    )


def test_connect_refusing_options_names_every_bad_key_and_registers_nothing(
    connect: ConnectCluster, new_database: MakeDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    url, _ = new_database("badconfig")
    name = url.rsplit("/", 1)[1]

    code = run(
        "connector", "register", name, "--connect-url", connect.url, "--database-url", url,
        "--set", "snapshot.mode=sometimes",
        "--set", "transforms.outbox.table.expand.json.payload=maybe",
    )  # fmt: skip

    error = capsys.readouterr().err
    assert code == 2
    assert error.startswith(f"error: connector {name!r} is invalid: ")
    assert error.count("\n") == 1, "one message"
    assert "snapshot.mode: The 'snapshot.mode' value is invalid: Value must be one of" in error
    assert "transforms.outbox.table.expand.json.payload: Invalid value maybe" in error
    assert name not in connectors(connect)


def test_a_database_connect_cannot_reach_is_named_on_its_option(
    connect: ConnectCluster, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(
        "connector", "register", "unreachable", "--connect-url", connect.url,
        "--database-url", "postgresql://postgres@127.0.0.1:1/nowhere",
    )  # fmt: skip

    error = capsys.readouterr().err
    assert code == 2
    assert "error: connector 'unreachable' is invalid: database.hostname: " in error
    assert "unreachable" not in connectors(connect)


def test_a_missing_outbox_table_is_named_and_nothing_is_registered(
    connect: ConnectCluster, new_database: MakeDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    url, engine = new_database("notable")
    name = url.rsplit("/", 1)[1]

    def slots() -> list[str]:
        with engine.connect() as connection:
            return list(
                connection.execute(sa.text("SELECT slot_name FROM pg_replication_slots")).scalars()
            )

    before = slots()

    code = run(
        "connector", "register", name, "--connect-url", connect.url, "--database-url", url,
        "--schema", "missing",
    )  # fmt: skip

    error = capsys.readouterr().err
    assert code == 2
    assert error.startswith(f"error: database {name!r} has no outbox settings record ")
    assert "in schema 'missing'" in error
    assert name not in connectors(connect)
    assert slots() == before  # only the migration's own slot; nothing new is left behind
