"""Relay throughput and commit-to-consume latency, real Debezium end to end.

Throughput: ``--events`` outbox rows are committed (transactions of 200) while the relay
is down, then the relay starts and the time until the broker acknowledged them all is
measured (Debezium + EventRouter + kafka-python producer, one database).
Latency: with the relay running, ``--probes`` single-event transactions at ~50/s; a
consumer (fetch_max_wait_ms=5) notes when each arrives; commit -> consume p50/p99.

    .venv/bin/python -m benchmarks.relay_throughput [--events 20000] [--probes 300]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path

import sqlalchemy as sa
from kafka import KafkaConsumer, TopicPartition
from sqlalchemy.orm import Session

from postroom import migrations
from postroom.connectors import ConnectorConfig, Relay, RelaySource
from postroom.devstack import EmbeddedStack
from postroom.outbox import Event, publish


def write(engine: sa.Engine, kind: str, count: int, batch: int = 200) -> None:
    for start in range(0, count, batch):
        with Session(engine) as session, session.begin():
            for i in range(start, min(start + batch, count)):
                publish(
                    session,
                    Event(
                        aggregate_type=kind, aggregate_id=f"a{i % 500}", type="T", payload={"i": i}
                    ),
                )


def wait_relayed(relay: Relay, count: int, timeout: float = 600.0) -> float:
    """Block until ``relay`` has relayed ``count`` events; returns when (``perf_counter``)
    it was first seen relaying. Raises if the relay fails or ``timeout`` passes first."""
    deadline = time.monotonic() + timeout
    first: float | None = None
    while relay.relayed < count:
        if relay.errors or time.monotonic() > deadline:
            raise RuntimeError(f"relayed {relay.relayed} of {count}: {relay.errors}")
        if first is None and relay.relayed > 0:
            first = time.perf_counter()
        time.sleep(0.005)
    return first if first is not None else time.perf_counter()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--probes", type=int, default=300)
    args = parser.parse_args()
    with EmbeddedStack() as stack, tempfile.TemporaryDirectory() as state:
        url = stack.postgres.create_database("bench")
        migrations.upgrade(url)
        engine = sa.create_engine(url)
        config = ConnectorConfig.from_url("bench", url, aggregate_types=("bulk", "probe"))
        started = time.perf_counter()
        write(engine, "bulk", args.events)
        write_rate = args.events / (time.perf_counter() - started)

        relay = Relay(
            [RelaySource(config, url)],
            bootstrap_servers=stack.bootstrap_servers,
            state_dir=Path(state),
        )
        started = time.perf_counter()
        relay.start()
        relay.wait_streaming()
        streaming = time.perf_counter() - started
        wait_relayed(relay, args.events)
        elapsed = time.perf_counter() - started
        relay_rate = args.events / (elapsed - streaming)

        arrived: dict[str, float] = {}
        consumer = KafkaConsumer(bootstrap_servers=stack.bootstrap_servers, fetch_max_wait_ms=5)
        topic = "outbox.event.probe"
        consumer.assign([TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)])
        consumer.seek_to_end()
        stop = threading.Event()

        def consume() -> None:
            while not stop.is_set():
                for records in consumer.poll(timeout_ms=50).values():
                    for record in records:
                        arrived[dict(record.headers)["id"].decode()] = time.perf_counter()

        thread = threading.Thread(target=consume, daemon=True)
        thread.start()
        time.sleep(1.0)
        committed: dict[str, float] = {}
        for i in range(args.probes):
            event = Event(aggregate_type="probe", aggregate_id=f"p{i}", type="Probe", payload={})
            with Session(engine) as session, session.begin():
                publish(session, event)
            committed[str(event.id)] = time.perf_counter()
            time.sleep(0.02)
        deadline = time.monotonic() + 30
        while len(arrived) < args.probes and time.monotonic() < deadline:
            time.sleep(0.05)
        stop.set()
        thread.join(5)
        consumer.close()
        relay.stop()
        engine.dispose()
        latencies = sorted((arrived[i] - committed[i]) * 1000 for i in committed if i in arrived)
        print(f"outbox writes (tx of 200): {write_rate:8.0f} events/s")
        print(f"relay start -> streaming : {streaming:8.2f} s (JVM + engine)")
        print(f"relay throughput         : {relay_rate:8.0f} events/s ({args.events} events)")
        p50 = statistics.median(latencies)
        p99 = latencies[int(len(latencies) * 0.99) - 1]
        print(
            f"commit -> consume        : p50 {p50:.1f} ms, p99 {p99:.1f} ms "
            f"({len(latencies)}/{args.probes} probes)"
        )


if __name__ == "__main__":
    main()
