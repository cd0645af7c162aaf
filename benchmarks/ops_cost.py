"""What watching the flows costs: source-database transactions/s at idle per measurement,
and the probe's overhead on relay throughput. Real Debezium, PostgreSQL and Kafka.

Idle cost: with the relay running and nothing written, transactions/s on the source
database (``pg_stat_database``, the measuring reads subtracted) for the relay alone, then
with ``LagMonitor`` measuring every 10 s and every 1 s, without and with the probe.
Heartbeat age, consumer-group lag and dead letters are read from Kafka: they cost the
database nothing, so "no probe" is the slot query alone.

Probe overhead: one relay drains a backlog of ``--events`` outbox rows while a probe
(one event per second through the same outbox, read back from Kafka) is switched on and
off every ``--window`` seconds; the median events/s of the windows with and without it.

    .venv/bin/python -m benchmarks.ops_cost [--seconds 20] [--events 100000] [--window 2]
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
from postroom.connectors import ConnectorConfig, Relay, RelaySource, ensure_replication
from postroom.devstack import EmbeddedStack
from postroom.ops import LagMonitor, Prober


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


def idle_costs(
    source: RelaySource, bootstrap: str, state: Path, seconds: float
) -> dict[str, float]:
    """Source transactions/s at idle: the relay alone, then with each kind of monitoring."""
    idle: dict[str, float] = {}
    with Relay([source], bootstrap_servers=bootstrap, state_dir=state) as relay:
        relay.wait_streaming()
        time.sleep(2)
        url = source.database_url
        idle["relay alone (heartbeat every 10 s)"] = idle_transactions_per_s(url, seconds)
        for every in (10.0, 1.0):
            for probe in (False, True):
                name = f"+ monitor every {every:g} s, {'slot + probe' if probe else 'slot'}"
                with monitoring(source, bootstrap, probe=probe, every=every):
                    time.sleep(min(every, 2.0))
                    idle[name] = round(idle_transactions_per_s(url, seconds), 2)
    return idle


def windows(
    source: RelaySource, bootstrap: str, state: Path, events: int, window_s: float
) -> dict[str, list[float]]:
    """One relay drains a backlog of ``events`` rows while a prober is switched on and off
    every other ``window_s``: events/s of each window, by whether the probe ran. Adjacent
    windows share the machine's background load, which a shared host has plenty of."""
    ensure_replication(source.connector, source.database_url)  # capture from here on
    engine = sa.create_engine(source.database_url)
    write(engine, "bulk", events)
    engine.dispose()
    prober = Prober([source], bootstrap, timeout_s=window_s / 2)
    probing, stop = threading.Event(), threading.Event()

    def probe() -> None:
        while not stop.is_set():
            if probing.is_set():
                started = time.monotonic()
                prober.probe()
                stop.wait(max(0.0, 1.0 - (time.monotonic() - started)))
            else:
                stop.wait(0.05)

    thread = threading.Thread(target=probe)
    thread.start()
    rates: dict[str, list[float]] = {"without probe": [], "with probe every 1 s": []}
    relay = Relay([source], bootstrap_servers=bootstrap, state_dir=state).start()
    try:
        relay.wait_streaming()
        on, deadline = False, time.monotonic() + 600
        while relay.relayed < events * 0.95:  # the tail is partly idle: leave it out
            if time.monotonic() > deadline or relay.errors:
                raise RuntimeError(f"relayed {relay.relayed} of {events}: {relay.errors}")
            before, started = relay.relayed, time.perf_counter()
            time.sleep(window_s)
            rate = (relay.relayed - before) / (time.perf_counter() - started)
            rates["with probe every 1 s" if on else "without probe"].append(rate)
            on = not on
            (probing.set if on else probing.clear)()
    finally:
        stop.set()
        thread.join(30)
        prober.close()
        relay.stop()
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="idle window per scenario")
    parser.add_argument("--events", type=int, default=100_000, help="backlog to drain")
    parser.add_argument("--window", type=float, default=2.0, help="seconds probe on/off")
    parser.add_argument("--only", choices=["idle", "probe"], help="run one of the two parts")
    args = parser.parse_args()
    results: dict[str, object] = {}
    with EmbeddedStack() as stack, tempfile.TemporaryDirectory() as state:
        bootstrap = stack.bootstrap_servers
        url = stack.postgres.create_database("opscost")
        migrations.upgrade(url)
        source = RelaySource(ConnectorConfig.from_url("opscost", url), url)
        if args.only in (None, "idle"):
            results["idle source transactions/s"] = idle_costs(
                source, bootstrap, Path(state), args.seconds
            )
        if args.only in (None, "probe"):
            rates = windows(source, bootstrap, Path(state), args.events, args.window)
            per_window = {k: [round(r) for r in v] for k, v in rates.items()}
            results["relay events/s per window"] = per_window
            without = statistics.median(rates["without probe"])
            with_probe = statistics.median(rates["with probe every 1 s"])
            results["probe overhead, medians"] = f"{(1 - with_probe / without) * 100:+.1f} %"
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
