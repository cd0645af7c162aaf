"""Where Kafka Connect runs the connector, ``postroom lag`` shows the connector's and its
task's states, and ``--check`` names the source when Connect no longer runs it."""

from __future__ import annotations

import io
import json
import os
from contextlib import redirect_stdout
from typing import Any

import pytest

from postroom import migrations
from postroom.cli import main
from postroom.connectors import ConnectorConfig, KafkaConnectClient, ensure_replication
from postroom.devstack import ConnectCluster, EmbeddedStack
from tests.integration.conftest import eventually

pytestmark = [pytest.mark.ops, pytest.mark.connect]


def lag(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["lag", "--no-probe", *args])
    return code, out.getvalue()


def test_connect_connector_and_task_states_are_part_of_the_report(
    stack: EmbeddedStack, connect: ConnectCluster
) -> None:
    name = f"opsconnect{os.urandom(2).hex()}"
    url = stack.postgres.create_database(name)
    migrations.upgrade(url)
    config = ConnectorConfig.from_url(name, url, heartbeat_interval_ms=500)
    ensure_replication(config, url)
    flow = ["--source", f"{name}={url}", "--bootstrap-servers", stack.bootstrap_servers]
    flow += ["--connect-url", connect.url, "--heartbeat-interval-ms", "500"]
    with KafkaConnectClient(connect.url) as client:
        client.register(config)
        try:

            def running() -> bool:
                _, out = lag("--json", *flow)
                state: dict[str, Any] = json.loads(out)["sources"][0]["connect_state"] or {}
                tasks = state.get("tasks", [])
                return state.get("connector", {}).get("state") == "RUNNING" and [
                    t["state"] for t in tasks
                ] == ["RUNNING"]

            eventually(running, timeout=90, what="the connector and its task RUNNING")
            eventually(lambda: lag("--check", *flow)[0] == 0, timeout=60, what="a passing check")
        finally:
            client.delete(name)
    # Connect forgets a deleted connector asynchronously (its task is UNASSIGNED first).
    eventually(
        lambda: "Kafka Connect status unavailable" in lag("--check", *flow)[1],
        timeout=60,
        what="the deleted connector reported as unavailable",
    )
    code, out = lag("--check", *flow)
    assert code == 1
    assert f"relay {name} (database {name} on 127.0.0.1:" in out
