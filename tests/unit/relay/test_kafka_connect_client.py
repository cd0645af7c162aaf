"""The Kafka Connect REST client, against responses shaped as the Connect docs define them.

Fast checks of the requests the client sends and how it reads answers (Kafka Connect
REST interface, KIP-745 for restart). The same commands run against a live two-worker
Connect cluster in tests/integration/connect and the contract suite.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from postroom.cli import main
from postroom.connectors import ConnectorConfig, KafkaConnectClient, KafkaConnectError

CONFIG = ConnectorConfig.from_url("auth", "postgresql://app:pw@db:5432/auth")

RUNNING = {
    "name": "auth",
    "connector": {"state": "RUNNING", "worker_id": "10.0.0.7:8083"},
    "tasks": [{"id": 0, "state": "RUNNING", "worker_id": "10.0.0.7:8083"}],
    "type": "source",
}
FAILED_TASK = {
    **RUNNING,
    "tasks": [
        {
            "id": 0,
            "state": "FAILED",
            "worker_id": "10.0.0.7:8083",
            "trace": "org.apache.kafka.connect.errors.ConnectException: ...",
        }
    ],
}
NOT_FOUND = {"error_code": 404, "message": "Connector auth not found"}
REBALANCING = {
    "error_code": 409,
    "message": "Cannot complete request momentarily due to stale configuration "
    "(typically caused by a concurrent config change)",
}

Handler = Callable[[httpx.Request], httpx.Response]


def client(handler: Handler, seen: list[httpx.Request] | None = None) -> KafkaConnectClient:
    def record(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return handler(request)

    return KafkaConnectClient("http://connect:8083", transport=httpx.MockTransport(record))


def test_register_puts_the_rendered_config_and_reports_a_new_connector() -> None:
    seen: list[httpx.Request] = []
    body = CONFIG.connect_json()
    created = {**body, "tasks": [], "type": "source"}

    answer = client(lambda _: httpx.Response(201, json=created), seen).register(CONFIG)

    assert (seen[0].method, seen[0].url.path) == ("PUT", "/connectors/auth/config")
    assert json.loads(seen[0].content) == body["config"]
    assert answer["created"] is True


def test_registering_again_updates_in_place() -> None:
    updated = {**CONFIG.connect_json(), "tasks": [{"connector": "auth", "task": 0}]}

    answer = client(lambda _: httpx.Response(200, json=updated)).register(CONFIG)

    assert answer["created"] is False


def test_status_returns_connector_and_task_states() -> None:
    seen: list[httpx.Request] = []

    status = client(lambda _: httpx.Response(200, json=RUNNING), seen).status("auth")

    assert (seen[0].method, seen[0].url.path) == ("GET", "/connectors/auth/status")
    assert status["connector"]["state"] == "RUNNING"


def test_restart_includes_tasks_and_returns_the_accepted_status() -> None:
    seen: list[httpx.Request] = []
    restarting = {**RUNNING, "connector": {"state": "RESTARTING", "worker_id": "10.0.0.7:8083"}}

    result = client(lambda _: httpx.Response(202, json=restarting), seen).restart(
        "auth", only_failed=True
    )

    assert seen[0].method == "POST"
    assert seen[0].url.path == "/connectors/auth/restart"
    assert dict(seen[0].url.params) == {"includeTasks": "true", "onlyFailed": "true"}
    assert result is not None
    assert result["connector"]["state"] == "RESTARTING"


def test_restart_on_an_older_worker_answers_no_content() -> None:
    assert client(lambda _: httpx.Response(204)).restart("auth") is None


def test_delete_sends_delete() -> None:
    seen: list[httpx.Request] = []

    client(lambda _: httpx.Response(204), seen).delete("auth")

    assert (seen[0].method, seen[0].url.path) == ("DELETE", "/connectors/auth")


def test_an_unknown_connector_is_a_clear_non_retriable_error() -> None:
    with pytest.raises(KafkaConnectError, match="HTTP 404: Connector auth not found") as caught:
        client(lambda _: httpx.Response(404, json=NOT_FOUND)).status("auth")

    assert (caught.value.status, caught.value.retriable) == (404, False)


def test_a_rebalancing_cluster_is_retriable() -> None:
    with pytest.raises(KafkaConnectError, match="HTTP 409") as caught:
        client(lambda _: httpx.Response(409, json=REBALANCING)).register(CONFIG)

    assert caught.value.retriable is True


def test_an_unreachable_cluster_is_retriable_and_names_the_url() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(KafkaConnectError, match="http://connect:8083 is unreachable") as caught:
        client(refuse).status("auth")

    assert (caught.value.status, caught.value.retriable) == (0, True)


def test_a_connect_url_that_is_not_http_is_refused() -> None:
    with pytest.raises(KafkaConnectError, match="--connect-url must be an http"):
        KafkaConnectClient("connect:8083")


def test_status_command_exits_1_when_a_task_failed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(
        "postroom.cli._connector._client",
        lambda args: client(lambda _: httpx.Response(200, json=FAILED_TASK)),
    )

    code = main(["connector", "status", "auth", "--connect-url", "http://connect:8083"])

    assert code == 1
    assert json.loads(capsys.readouterr().out)["tasks"][0]["state"] == "FAILED"


def test_commands_print_connect_errors_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(
        "postroom.cli._connector._client",
        lambda args: client(lambda _: httpx.Response(404, json=NOT_FOUND)),
    )

    code = main(["connector", "delete", "auth", "--connect-url", "http://connect:8083"])

    assert code == 2
    assert "Connector auth not found" in capsys.readouterr().err
