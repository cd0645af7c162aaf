"""One real flow for the operators' tests, started once for this folder and stopped by PID:
a source database (``ops_src``) read by ``postroom relay`` (its own OS process, with
``/metrics``), consumer groups run by inbox workers in this process (with ``/metrics``),
and ``postroom monitor`` (its own OS process: probe, status page, ``/metrics``)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session

from postroom import migrations
from postroom.cli import main
from postroom.connectors import ensure_topics
from postroom.devstack import EmbeddedStack, free_port, stop_pid
from postroom.inbox import HandlerRegistry, InboxConfig, InboxMessage, InboxWorker
from postroom.ops import MetricsServer, worker_metrics
from postroom.outbox import Event, publish
from tests.integration.relay.relay_process import RelayProcess

SOURCE = "ops_src"
USERS_TOPIC = "outbox.event.ops_user"
POISON_TOPIC = "outbox.event.ops_poison"
#: The relay beats every 500 ms; the tests call a heartbeat stale after 3 s.
HEARTBEAT_MS = 500
LIMITS = ["--max-heartbeat-age", "3", "--probe-timeout", "3", "--heartbeat-interval-ms", "500"]


def scrape(url: str) -> dict[str, float]:
    """Every sample of a Prometheus endpoint: ``name{label="v",...}`` -> value."""
    samples: dict[str, float] = {}
    for family in text_string_to_metric_families(httpx.get(url, timeout=10).text):
        for sample in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}"] = sample.value
    return samples


def families(url: str) -> set[str]:
    """Every metric family an endpoint declares, with the sample names its type implies
    (a family with no samples yet, e.g. no dead letter so far, is still exported)."""
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count")}
    names: set[str] = set()
    for family in text_string_to_metric_families(httpx.get(url, timeout=10).text):
        names.add(family.name)
        names.update(family.name + suffix for suffix in suffixes.get(family.type, ()))
        names.update(sample.name for sample in family.samples)
    return names


class TraceCollector:
    """An OTLP/HTTP endpoint that keeps the bodies of the spans posted to it."""

    def __init__(self) -> None:
        bodies: list[bytes] = []
        self.bodies = bodies

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.path == "/v1/traces":
                    bodies.append(body)
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class MonitorProcess:
    """``python -m postroom.cli monitor ...``: the status page and the lag ``/metrics``."""

    def __init__(self, args: list[str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "postroom.cli", "monitor", *args]
        command += ["--port", str(self.port), "--interval", "1"]
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            time.sleep(0.2)
        self.stop()
        raise AssertionError("postroom monitor did not report healthy within 60 s")

    def stop(self) -> None:
        if self.process.poll() is None:
            stop_pid(self.process.pid, grace=10.0)
            self.process.wait(15)


@dataclass
class Worker:
    """An inbox worker in a thread, serving its ``/metrics``."""

    worker: InboxWorker
    metrics: MetricsServer
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    error: BaseException | None = None

    def start(self) -> Worker:
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def _run(self) -> None:
        try:
            self.worker.run(self.stop)
        except BaseException as exc:
            self.error = exc
            raise

    def close(self) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join(30)
        self.metrics.close()


@dataclass
class Flow:
    """The running flow and what the tests do to it."""

    stack: EmbeddedStack
    source_url: str
    source: sa.Engine
    consumer_url: str
    consumer: sa.Engine
    relay: RelayProcess
    relay_metrics_port: int
    relay_args: tuple[Any, ...]
    monitor: MonitorProcess
    traces: TraceCollector
    workers: list[Worker] = field(default_factory=list)
    #: Events committed so far, per aggregate type.
    written: Counter[str] = field(default_factory=Counter)

    @property
    def slot(self) -> str:
        """The replication slot the source database's migration recorded and created."""
        return f"postroom_{sa.make_url(self.source_url).database}"

    @property
    def flow_args(self) -> list[str]:
        return [
            "--source",
            f"{SOURCE}={self.source_url}",
            "--group",
            "ops_users",
            "--group",
            "ops_poison",
            "--bootstrap-servers",
            self.stack.bootstrap_servers,
        ]

    def write(self, count: int, *, aggregate_type: str = "ops_user", **payload: Any) -> None:
        """Commit ``count`` events, one per aggregate ``0..count-1`` (spread over partitions)."""
        with Session(self.source) as session, session.begin():
            for n in range(count):
                publish(
                    session,
                    Event(
                        aggregate_type=aggregate_type,
                        aggregate_id=f"agg-{n}",
                        type="OpsHappened",
                        payload={"n": n, **payload},
                    ),
                )
        self.written[aggregate_type] += count

    def start_relay(self) -> None:
        self.relay = RelayProcess(*self.relay_args).start()

    def start_worker(self, group: str, topic: str, registry: HandlerRegistry) -> Worker:
        config = InboxConfig.low_latency(
            group,
            (topic,),
            self.stack.bootstrap_servers,
            max_attempts=1,
            retry_delays_s=(),
            # Apache Kafka refuses sessions under group.min.session.timeout.ms (6 s).
            session_timeout_ms=6000,
            heartbeat_interval_ms=1000,
        )
        inbox = InboxWorker(config, registry, self.consumer)
        worker = Worker(inbox, MetricsServer(worker_metrics(inbox), 0, host="127.0.0.1"))
        self.workers.append(worker.start())
        if not inbox.assigned.wait(60):
            raise AssertionError(f"group {group} got no partitions in 60 s ({worker.error!r})")
        return worker

    def lag(self, *extra: str) -> tuple[int, str]:
        """Run ``postroom lag`` with this flow's arguments; its exit code and output."""
        import io
        from contextlib import redirect_stdout

        out = io.StringIO()
        with redirect_stdout(out):
            code = main(["lag", *self.flow_args, *LIMITS, *extra])
        return code, out.getvalue()


def registry_for(group: str) -> HandlerRegistry:
    registry = HandlerRegistry()

    @registry.on("OpsHappened")
    def handle(session: Session, message: InboxMessage) -> None:
        if message.payload.get("poison"):
            raise ValueError("poison: this message can never be handled")
        session.execute(sa.text("INSERT INTO seen (n) VALUES (:n)"), {"n": message.payload["n"]})

    return registry


@pytest.fixture(scope="package")
def flow(stack: EmbeddedStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flow]:
    suffix = os.urandom(3).hex()
    source_url = stack.postgres.create_database(f"ops_src_{suffix}")
    consumer_url = stack.postgres.create_database(f"ops_dst_{suffix}")
    for url in (source_url, consumer_url):
        migrations.upgrade(url)
    consumer = sa.create_engine(consumer_url)
    with consumer.begin() as connection:
        connection.execute(sa.text("CREATE TABLE seen (n integer NOT NULL)"))
    ensure_topics(stack.bootstrap_servers, [USERS_TOPIC, POISON_TOPIC], partitions=3)
    state: Path = tmp_path_factory.mktemp("ops-relay-state")
    metrics_port = free_port()
    relay_args = (
        {SOURCE: source_url},
        stack.bootstrap_servers,
        state,
        "--heartbeat-interval-ms",
        str(HEARTBEAT_MS),
        "--metrics-port",
        str(metrics_port),
    )
    traces = TraceCollector()
    exporting = {"OTEL_EXPORTER_OTLP_ENDPOINT": traces.url, "OTEL_BSP_SCHEDULE_DELAY": "200"}
    saved = {name: os.environ.get(name) for name in exporting}
    os.environ.update(exporting)  # the relay processes export their spans here
    relay = RelayProcess(*relay_args).start()
    monitor: MonitorProcess | None = None
    running: Flow | None = None
    try:
        monitor = MonitorProcess(
            [
                "--source",
                f"{SOURCE}={source_url}",
                "--group",
                "ops_users",
                "--group",
                "ops_poison",
                "--bootstrap-servers",
                stack.bootstrap_servers,
                *LIMITS,
            ]
        )
        running = Flow(
            stack,
            source_url,
            sa.create_engine(source_url),
            consumer_url,
            consumer,
            relay,
            metrics_port,
            relay_args,
            monitor,
            traces,
        )
        yield running
    finally:
        if running is not None:
            for worker in running.workers:
                worker.close()
            running.relay.stop()
            running.source.dispose()
        relay.stop()
        if monitor is not None:
            monitor.stop()
        consumer.dispose()
        traces.close()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
