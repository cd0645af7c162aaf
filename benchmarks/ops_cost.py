"""What watching the flows costs: source-database transactions/s at idle per measurement,
and the probe's overhead on relay throughput. Real Debezium, PostgreSQL and Kafka.

Idle cost: with the relay running and nothing written, transactions/s on the source
database (``pg_stat_database``, the measuring reads subtracted) for the relay alone, then
with ``LagMonitor`` measuring every 10 s and every 1 s, without and with the probe.
Heartbeat age, consumer-group lag and dead letters are read from Kafka: they cost the
database nothing, so "no probe" is the slot query alone.

Probe overhead: a backlog of ``--events`` outbox rows is drained by a freshly started
relay, alternately with and without a monitor probing every second; events/s compared.

    .venv/bin/python -m benchmarks.ops_cost [--seconds 20] [--events 10000] [--trials 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from benchmarks._pipeline import idle_transactions_per_s
from benchmarks.relay_throughput import write
from postroom import migrations
from postroom.connectors import ConnectorConfig, Relay, RelaySource
from postroom.devstack import EmbeddedStack
from postroom.ops import LagMonitor


@contextmanager
def monitoring(source: RelaySource, bootstrap: str, *, probe: bool, every: float) -> Iterator[None]:
    monitor = LagMonitor(
        [source], [], bootstrap_servers=bootstrap, probe=probe, probe_timeout_s=min(every, 5.0)
    )
    stop = threading.Event()
    thread = threading.Thread(target=monitor.run, args=(stop,), kwargs={"interval_s": every})
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(30)
        monitor.close()


def drain(source: RelaySource, bootstrap: str, state: Path, events: int) -> float:
    """Start a relay on a backlog of ``events`` rows; events/s until all were acknowledged."""
    engine = sa.create_engine(source.database_url)
    write(engine, "bulk", events)
    engine.dispose()
    relay = Relay([source], bootstrap_servers=bootstrap, state_dir=state)
    relay.start()
    relay.wait_streaming()
    started = time.perf_counter()
    while relay.relayed < events:
        time.sleep(0.005)
    rate = events / (time.perf_counter() - started)
    relay.stop()
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="idle window per scenario")
    parser.add_argument("--events", type=int, default=10_000, help="backlog per drain")
    parser.add_argument("--trials", type=int, default=3, help="drains with and without probe")
    args = parser.parse_args()
    results: dict[str, object] = {}
    with EmbeddedStack() as stack, tempfile.TemporaryDirectory() as state:
        bootstrap = stack.bootstrap_servers
        url = stack.postgres.create_database("opscost")
        migrations.upgrade(url)
        source = RelaySource(ConnectorConfig.from_url("opscost", url), url)
        idle: dict[str, float] = {}
        with Relay([source], bootstrap_servers=bootstrap, state_dir=Path(state)) as relay:
            relay.wait_streaming()
            time.sleep(2)
            idle["relay alone (heartbeat every 10 s)"] = idle_transactions_per_s(url, args.seconds)
            for every in (10.0, 1.0):
                for probe in (False, True):
                    name = f"+ monitor every {every:g} s, {'slot + probe' if probe else 'slot'}"
                    with monitoring(source, bootstrap, probe=probe, every=every):
                        time.sleep(min(every, 2.0))
                        idle[name] = idle_transactions_per_s(url, args.seconds)
        results["idle source transactions/s"] = idle
        rates: dict[str, list[float]] = {"without probe": [], "with probe every 1 s": []}
        drain(source, bootstrap, Path(state), 1000)  # warm-up: JIT, producer, topics
        for _ in range(args.trials):
            rates["without probe"].append(drain(source, bootstrap, Path(state), args.events))
            with monitoring(source, bootstrap, probe=True, every=1.0):
                rates["with probe every 1 s"].append(
                    drain(source, bootstrap, Path(state), args.events)
                )
        results["relay drain events/s"] = {k: [round(r) for r in v] for k, v in rates.items()}
        without = statistics.median(rates["without probe"])
        with_probe = statistics.median(rates["with probe every 1 s"])
        results["probe overhead, median"] = f"{(1 - with_probe / without) * 100:+.1f} %"
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
