"""Kafka Connect in distributed mode on 127.0.0.1: workers of one group, for tests and demos.

Each worker is one JVM (``org.apache.kafka.connect.cli.ConnectDistributed``) with its REST
API on a free port. All workers of a ``ConnectCluster`` share one ``group.id`` and keep
their configs, offsets and statuses in internal topics on the given Kafka cluster, so a
connector registered on any worker runs on one of them and moves when that one dies.
``plugin.path`` holds the Debezium PostgreSQL connector (with its outbox EventRouter)
that ``scripts/bootstrap`` fetched; plugins are found from their ``ServiceLoader``
manifests (``plugin.discovery=service_load``), which is much faster than scanning jars.

Timings are shortened for a local cluster: a worker that stops heart-beating leaves the
group after 6 s (``session.timeout.ms``), and its tasks are given to the others 2 s later
(``scheduled.rebalance.max.delay.ms``, 5 minutes by default); source offsets are committed
every second (``offset.flush.interval.ms``, 60 s by default), which bounds how much a
killed worker's successor replays.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from postroom.devstack._jvm import JavaServer, plugin_path, stop_servers
from postroom.devstack._processes import free_port, rss_bytes
from postroom.errors import StackError
from postroom.lifecycle import StartStop

__all__ = ["ConnectCluster", "ConnectWorker"]

POSTGRES_CONNECTOR = "io.debezium.connector.postgresql.PostgresConnector"


@dataclass
class ConnectWorker:
    """One distributed-mode worker of a ``ConnectCluster``."""

    index: int
    port: int
    directory: Path
    server: JavaServer | None = None
    startup_seconds: float = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def worker_id(self) -> str:
        """How Connect names this worker in statuses (``rest.advertised.*``)."""
        return f"127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.server.pid if self.server is not None else None

    @property
    def config_file(self) -> Path:
        return self.directory / "worker.properties"


class ConnectCluster(StartStop):
    """``with ConnectCluster(bootstrap_servers, workers=2) as connect:`` use ``connect.url``."""

    def __init__(
        self,
        bootstrap_servers: str,
        *,
        workers: int = 2,
        replication_factor: int = 1,
        group_id: str | None = None,
        heap: str = "384m",
        base_dir: Path | None = None,
    ) -> None:
        if workers < 1:
            raise StackError(f"a Connect cluster needs at least one worker, got {workers}")
        self.bootstrap_servers = bootstrap_servers
        self.replication_factor = replication_factor
        self.group_id = group_id or f"postroom-connect-{free_port()}"
        self.heap = heap
        self._base = Path(tempfile.mkdtemp(prefix="postroom-connect-", dir=base_dir))
        self.workers = [
            ConnectWorker(n, free_port(), self._base / f"worker-{n}") for n in range(workers)
        ]
        self.startup_seconds = 0.0

    @property
    def url(self) -> str:
        """The REST URL of the first running worker (any worker forwards to the leader)."""
        for worker in self.workers:
            if worker.pid is not None:
                return worker.url
        raise StackError("no Connect worker is running")

    @property
    def pids(self) -> list[int]:
        return [worker.pid for worker in self.workers if worker.pid is not None]

    def rss_bytes(self) -> dict[int, int]:
        """Resident memory of each running worker, by index."""
        return {w.index: rss_bytes(w.pid) for w in self.workers if w.pid is not None}

    def _properties(self, worker: ConnectWorker) -> dict[str, str]:
        topics = self.group_id
        factor = str(self.replication_factor)
        return {
            "bootstrap.servers": self.bootstrap_servers,
            "group.id": self.group_id,
            "listeners": f"http://127.0.0.1:{worker.port}",
            "rest.advertised.host.name": "127.0.0.1",
            "rest.advertised.port": str(worker.port),
            "rest.advertised.listener": "http",
            "plugin.path": str(plugin_path()),
            "plugin.discovery": "service_load",
            "key.converter": "org.apache.kafka.connect.json.JsonConverter",
            "value.converter": "org.apache.kafka.connect.json.JsonConverter",
            "config.storage.topic": f"{topics}-configs",
            "offset.storage.topic": f"{topics}-offsets",
            "status.storage.topic": f"{topics}-status",
            "config.storage.replication.factor": factor,
            "offset.storage.replication.factor": factor,
            "status.storage.replication.factor": factor,
            "offset.storage.partitions": "5",
            "status.storage.partitions": "1",
            "offset.flush.interval.ms": "1000",
            "session.timeout.ms": "6000",
            "heartbeat.interval.ms": "1000",
            "scheduled.rebalance.max.delay.ms": "2000",
            "task.shutdown.graceful.timeout.ms": "5000",
        }

    def start(self) -> ConnectCluster:
        """Start every worker and wait until each serves its REST API with the plugin."""
        began = time.monotonic()
        try:
            for worker in self.workers:
                self._launch(worker)
            for worker in self.workers:
                self._wait_ready(worker)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - began
        return self

    def _launch(self, worker: ConnectWorker) -> None:
        worker.directory.mkdir(parents=True, exist_ok=True)
        lines = [f"{key}={value}" for key, value in self._properties(worker).items()]
        worker.config_file.write_text("\n".join(lines) + "\n")
        worker.server = JavaServer(
            "org.apache.kafka.connect.cli.ConnectDistributed",
            [str(worker.config_file)],
            log_file=worker.directory / "worker.log",
            heap=self.heap,
        )
        worker.server.start()
        worker.startup_seconds = -time.monotonic()

    def _wait_ready(self, worker: ConnectWorker, timeout: float = 120.0) -> None:
        """Ready: the worker lists the PostgreSQL connector plugin and answers for the group."""
        assert worker.server is not None
        deadline = time.monotonic() + timeout
        with httpx.Client(base_url=worker.url, timeout=5.0) as http:
            while time.monotonic() < deadline:
                if worker.server.exited() is not None:
                    raise StackError(
                        f"Connect worker {worker.index} exited ({worker.server.exited()}):\n"
                        f"{worker.server.log_tail()}"
                    )
                with contextlib.suppress(httpx.HTTPError):
                    if self._serves(http):
                        worker.startup_seconds += time.monotonic()
                        return
                time.sleep(0.1)
        raise StackError(
            f"Connect worker {worker.index} was not ready on {worker.url} within "
            f"{timeout:.0f} s:\n{worker.server.log_tail()}"
        )

    @staticmethod
    def _serves(http: httpx.Client) -> bool:
        plugins = http.get("/connector-plugins")
        if plugins.status_code != 200:
            return False
        if not any(plugin.get("class") == POSTGRES_CONNECTOR for plugin in plugins.json()):
            return False
        return http.get("/connectors").status_code == 200

    def worker_running(self, worker_id: str) -> ConnectWorker:
        """The worker named ``worker_id`` in a connector's status (``127.0.0.1:PORT``)."""
        for worker in self.workers:
            if worker.worker_id == worker_id:
                return worker
        raise StackError(f"no worker {worker_id!r} in this Connect cluster")

    def kill(self, index: int) -> None:
        """SIGKILL one worker, as a crash would."""
        worker = self.workers[index]
        if worker.server is not None:
            worker.server.kill()
        worker.server = None

    def stop(self) -> None:
        """Stop every worker by PID (SIGTERM, SIGKILL after 10 s); delete their files."""
        stop_servers([worker.server for worker in self.workers], grace=10.0)
        for worker in self.workers:
            worker.server = None
        with contextlib.suppress(OSError):
            shutil.rmtree(self._base)
