"""``/metrics`` over HTTP for a process that has no web server of its own (the relay, a
worker); the status page serves its own."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, start_http_server

__all__ = ["MetricsServer"]


class MetricsServer:
    """Serve ``registry`` at ``http://host:port/metrics`` from a daemon thread."""

    def __init__(self, registry: CollectorRegistry, port: int, *, host: str = "0.0.0.0") -> None:
        self._server, self._thread = start_http_server(port, addr=host, registry=registry)
        self.host = host
        self.port: int = self._server.server_port

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}/metrics"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
