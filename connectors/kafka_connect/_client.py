"""A small client for the Kafka Connect REST API: register, status, restart, delete.

Endpoints as the Kafka Connect documentation defines them:
``PUT /connectors/{name}/config`` (201 created, 200 updated),
``GET /connectors/{name}/status``,
``POST /connectors/{name}/restart?includeTasks=true&onlyFailed=...`` (KIP-745: 202 with
the status, 204 from workers older than 3.0), ``DELETE /connectors/{name}`` (204).
Errors come back as ``{"error_code": ..., "message": ...}``; 409 means the cluster is
rebalancing (retriable), 5xx the worker failed (retriable), 4xx our request (not).
"""

from __future__ import annotations

from typing import Any

import httpx

from postroom.connectors._connector_config import ConnectorConfig
from postroom.errors import KafkaConnectError

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

    def register(self, config: ConnectorConfig) -> dict[str, Any]:
        """Create or update the connector (idempotent PUT); returns Connect's answer."""
        body = config.connect_json()
        response = self._call("PUT", f"/connectors/{body['name']}/config", json=body["config"])
        answer: dict[str, Any] = response.json()
        answer["created"] = response.status_code == 201
        return answer

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

    def delete(self, name: str) -> None:
        """Delete the connector (its offsets stay in the Connect cluster's offset topic)."""
        self._call("DELETE", f"/connectors/{name}")
