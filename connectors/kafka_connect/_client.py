"""A small client for the Kafka Connect REST API: validate, register, update, status,
restart, pause, resume, delete.

Endpoints as the Kafka Connect documentation defines them:
``PUT /connector-plugins/{class}/config/validate`` (200 with ``error_count`` and each
option's ``errors``), ``PUT /connectors/{name}/config`` (201 created, 200 updated),
``GET /connectors/{name}/status``,
``POST /connectors/{name}/restart?includeTasks=true&onlyFailed=...`` (KIP-745: 202 with
the status, 204 from workers older than 3.0), ``PUT /connectors/{name}/pause`` and
``/resume`` (202), ``DELETE /connectors/{name}`` (204).
Errors come back as ``{"error_code": ..., "message": ...}``; 409 means the cluster is
rebalancing (retriable), 5xx the worker failed (retriable), 4xx our request (not).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import httpx

from postroom.connectors._connector_config import ConnectorConfig
from postroom.errors import ConnectorValidationError, KafkaConnectError

__all__ = ["KafkaConnectClient"]


class KafkaConnectClient:
    """``KafkaConnectClient("http://connect:8083")``; pass ``transport`` in tests."""

    def __init__(
        self,
        connect_url: str,
        *,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        url = httpx.URL(connect_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise KafkaConnectError(
                f"--connect-url must be an http(s) URL such as http://connect:8083, "
                f"got {connect_url!r}",
                status=0,
            )
        self._http = httpx.Client(base_url=connect_url, timeout=timeout, transport=transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> KafkaConnectClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise KafkaConnectError(
                f"Kafka Connect at {self._http.base_url} is unreachable: {exc}",
                status=0,
                retriable=True,
            ) from exc
        if response.status_code >= 400:
            try:
                detail = str(response.json().get("message", response.text))
            except ValueError:
                detail = response.text
            status = response.status_code
            raise KafkaConnectError(
                f"{method} {path} failed with HTTP {status}: {detail}",
                status=status,
                retriable=status == 409 or status >= 500,
            )
        return response

    @staticmethod
    def _body(config: ConnectorConfig, overrides: Mapping[str, str] | None) -> dict[str, Any]:
        body = config.connect_json()
        body["config"].update(overrides or {})
        return body

    def validate(
        self, config: ConnectorConfig, *, overrides: Mapping[str, str] | None = None
    ) -> None:
        """Let the cluster validate the rendered connector (its plugin's ``validate()``,
        which also connects to the database, and each transform's options); nothing is
        registered. Raises ``ConnectorValidationError`` naming every refused option."""
        body = self._body(config, overrides)
        plugin = body["config"]["connector.class"]
        options = {"name": body["name"], **body["config"]}
        answer = self._call("PUT", f"/connector-plugins/{plugin}/config/validate", json=options)
        answer = answer.json()
        if not answer.get("error_count"):
            return
        errors = {
            str(entry["value"]["name"]): [str(message) for message in entry["value"]["errors"]]
            for entry in answer.get("configs", [])
            if entry.get("value", {}).get("errors")
        }
        raise ConnectorValidationError(body["name"], errors)

    def register(
        self, config: ConnectorConfig, *, overrides: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        """Create or update the connector (idempotent PUT); returns Connect's answer.

        ``overrides`` are connector options set on top of the rendered ones.
        """
        body = self._body(config, overrides)
        response = self._call("PUT", f"/connectors/{body['name']}/config", json=body["config"])
        answer: dict[str, Any] = response.json()
        answer["created"] = response.status_code == 201
        return answer

    def update(
        self, config: ConnectorConfig, *, overrides: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        """Replace the configuration of a connector that exists (404 if it does not)."""
        self._call("GET", f"/connectors/{config.name}")
        return self.register(config, overrides=overrides)

    def exists(self, name: str) -> bool:
        return name in self._call("GET", "/connectors").json()

    def wait_running(self, name: str, *, timeout: float = 60.0) -> dict[str, Any]:
        """Wait until the connector and each of its tasks (at least one) are RUNNING.

        A FAILED task raises at once with the first line of its trace.
        """
        deadline = time.monotonic() + timeout
        status: dict[str, Any] = {}
        while time.monotonic() < deadline:
            try:
                status = self.status(name)
            except KafkaConnectError as exc:  # just registered: not known everywhere yet
                if exc.status not in (404, 409):
                    raise
                time.sleep(0.2)
                continue
            tasks = status.get("tasks", [])
            for task in tasks:
                if task.get("state") == "FAILED":
                    reason = str(task.get("trace", "")).splitlines()[:1]
                    raise KafkaConnectError(
                        f"connector {name!r} task {task.get('id')} FAILED on "
                        f"{task.get('worker_id')}: {' '.join(reason)}",
                        status=0,
                    )
            states = [status.get("connector", {}).get("state")]
            states += [task.get("state") for task in tasks]
            if tasks and all(state == "RUNNING" for state in states):
                return status
            time.sleep(0.2)
        raise KafkaConnectError(
            f"connector {name!r} was not RUNNING within {timeout:.0f} s: {status}",
            status=0,
            retriable=True,
        )

    def status(self, name: str) -> dict[str, Any]:
        """Connector and task states, e.g. ``{"connector": {"state": "RUNNING"}, ...}``."""
        result: dict[str, Any] = self._call("GET", f"/connectors/{name}/status").json()
        return result

    def restart(self, name: str, *, only_failed: bool = False) -> dict[str, Any] | None:
        """Restart the connector and its tasks; the new status, when the worker returns one."""
        params = {"includeTasks": "true", "onlyFailed": str(only_failed).lower()}
        response = self._call("POST", f"/connectors/{name}/restart", params=params)
        if response.status_code == 204 or not response.content:
            return None
        result: dict[str, Any] = response.json()
        return result

    def pause(self, name: str) -> None:
        """Pause the connector and its tasks (they stay assigned; nothing is read)."""
        self._call("PUT", f"/connectors/{name}/pause")

    def resume(self, name: str) -> None:
        """Resume a paused connector and its tasks."""
        self._call("PUT", f"/connectors/{name}/resume")

    def delete(self, name: str) -> None:
        """Delete the connector (its offsets stay in the Connect cluster's offset topic)."""
        self._call("DELETE", f"/connectors/{name}")
