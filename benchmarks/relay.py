"""Scenarios 2, 5 and 6: the Debezium relay's throughput, latency, ceiling and memory.

- fixed offered loads (single-event transactions, paced) -> commit-to-consumer latency;
- saturation (batched writers, 100 events per transaction) -> sustained events/s;
- the limit: the same batched writers into a database with no relay at all;
- the relay process's RSS at idle and right after saturation.
"""

from __future__ import annotations

import itertools
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks._harness import Results, rss_mb
from benchmarks._load import WriteLoad
from benchmarks._pipeline import drain_backlog, idle_transactions_per_s, run_load, write_all
from postroom.connectors import ConnectorConfig, Relay, RelaySource

__all__ = ["LOADS", "run"]

#: Offered loads in events/s; None is saturation.
LOADS: tuple[float | None, ...] = (500, 1000, 2000, None)
_topics = itertools.count()


def load_name(rate: float | None) -> str:
    return "saturation" if rate is None else f"{rate:,.0f}/s"


def saturation(url: str, seconds: float) -> WriteLoad:
    return WriteLoad(url, f"sat{next(_topics)}", seconds, rate=None, per_transaction=100)


def limit_rate(url: str, seconds: float) -> float:
    """Events/s the batched writers commit with no relay reading the database."""
    start = time.perf_counter()
    written = write_all(saturation(url, seconds))
    return written / (time.perf_counter() - start)


def run(
    results: Results,
    make_database: Callable[[str], str],
    bootstrap_servers: str,
    *,
    seconds: float,
    repeat: int,
    idle_seconds: float,
) -> None:
    limit_url = make_database("bench_limit")
    for _ in range(repeat):
        results.measure(
            "5 limit", "no relay, batched writers", "commits", "events/s"
        ).samples.append(limit_rate(limit_url, seconds))

    url = make_database("bench_relay")
    with (
        tempfile.TemporaryDirectory() as state,
        Relay(
            [RelaySource(ConnectorConfig.from_url("bench_relay", url), url)],
            bootstrap_servers=bootstrap_servers,
            state_dir=Path(state),
        ) as relay,
    ):
        relay.wait_streaming()
        results.measure("6 memory", "relay process", "RSS idle", "MiB").samples.append(rss_mb())
        results.measure(
            "3 idle load", "debezium relay", "source transactions", "1/s"
        ).samples.append(idle_transactions_per_s(url, idle_seconds))
        for _ in range(repeat):
            for rate in LOADS:
                if rate is None:
                    load = saturation(url, seconds)
                else:
                    load = WriteLoad(url, f"r{next(_topics)}", seconds, rate=rate)
                run_load(bootstrap_servers, load).record(results, "2 relay", load_name(rate))
        results.measure("6 memory", "relay process", "RSS after saturation", "MiB").samples.append(
            rss_mb()
        )
        if relay.errors:
            results.notes.append(f"relay errors: {relay.errors}")
    _drain(results, make_database, bootstrap_servers, seconds=seconds, repeat=repeat)
    results.ratio(
        "relay saturation ÷ PostgreSQL limit (no relay)",
        results.get("2 relay", "saturation", "throughput"),
        results.get("5 limit", "no relay, batched writers", "commits"),
    )


def _drain(
    results: Results,
    make_database: Callable[[str], str],
    bootstrap_servers: str,
    *,
    seconds: float,
    repeat: int,
) -> None:
    """Relay capacity without the writers competing for the CPU: write a backlog while
    the slot holds it, then start the relay and time the drain."""
    backlog = 2_000 if seconds < 1 else 20_000
    for _ in range(repeat):
        url = make_database("bench_drain")  # migrated: its slot keeps every event from now on
        connector = ConnectorConfig.from_url(f"bench_drain_{next(_topics)}", url)
        load = WriteLoad(
            url, f"d{next(_topics)}", 3600, rate=None, per_transaction=100, max_events=backlog
        )

        @contextmanager
        def relaying(url: str = url, config: ConnectorConfig = connector) -> Iterator[Relay]:
            with (
                tempfile.TemporaryDirectory() as state,
                Relay(
                    [RelaySource(config, url)],
                    bootstrap_servers=bootstrap_servers,
                    state_dir=Path(state),
                ) as running,
            ):
                yield running

        received, rate = drain_backlog(bootstrap_servers, load, relaying)
        results.measure(
            "2 relay", f"drain a {backlog:,} backlog", "throughput", "events/s"
        ).samples.append(rate)
        if received != backlog:
            results.notes.append(f"relay drain: {received} of {backlog} arrived")
