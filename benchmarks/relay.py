"""Scenarios 2, 5 and 6: the Debezium relay's throughput, latency, ceiling and memory.

- fixed offered loads (single-event transactions, paced) -> commit-to-consumer latency;
- saturation (batched writers, 100 events per transaction) -> sustained events/s;
- the limit: the same batched writers into a database with no relay at all;
- the relay process's RSS at idle, right after saturation and over a soak at 1,000/s;
- the relay's start (process start -> streaming) and its first events after start;
- draining a backlog, against ``pg_recvlogical`` draining the same one (the ceiling);
- one relay process for 1, 5 and 10 source databases.

The relay runs as users run it (``postroom relay``, its own process) except for the
backlog drain, which starts the embedded ``Relay`` in this process.
"""

from __future__ import annotations

import itertools
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks._harness import Results
from benchmarks._load import WriteLoad
from benchmarks._pipeline import drain_backlog, idle_transactions_per_s, run_load, write_all
from benchmarks._relay_process import RelayProcess
from benchmarks.raw_decoding import raw_drain
from postroom.connectors import ConnectorConfig, Relay, RelaySource

__all__ = ["LOADS", "run"]

#: Offered loads in events/s; None is saturation.
LOADS: tuple[float | None, ...] = (100, 1000, 2000, None)
_topics = itertools.count()
RAW = "pg_recvlogical"


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
    soak_seconds: float,
    databases: tuple[int, ...],
    per_database: int,
) -> None:
    limit_url = make_database("bench_limit")
    for _ in range(repeat):
        results.measure(
            "5 limit", "no relay, batched writers", "commits", "events/s"
        ).samples.append(limit_rate(limit_url, seconds))

    url = make_database("bench_relay")
    for _ in range(repeat - 1):  # fresh starts; the main relay process below is one more
        with RelayProcess([("bench_relay", url)], bootstrap_servers) as relay:
            _started(results, relay, url, bootstrap_servers, seconds=seconds)
    with RelayProcess([("bench_relay", url)], bootstrap_servers) as relay:
        _started(results, relay, url, bootstrap_servers, seconds=seconds)
        results.measure("6 memory", "relay process", "RSS idle", "MiB").samples.append(
            relay.rss_mib()
        )
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
            relay.rss_mib()
        )
        if soak_seconds > 0:
            _soak(results, relay, url, bootstrap_servers, soak_seconds)
    _drain(results, make_database, bootstrap_servers, seconds=seconds, repeat=repeat)
    _many_databases(results, make_database, bootstrap_servers, databases, per_database)
    results.ratio(
        "relay saturation ÷ PostgreSQL limit (no relay)",
        results.get("2 relay", "saturation", "throughput"),
        results.get("5 limit", "no relay, batched writers", "commits"),
    )


def _started(
    results: Results, relay: RelayProcess, url: str, bootstrap_servers: str, *, seconds: float
) -> None:
    """Process start -> "streaming", then events at 100/s with no warm-up event first:
    the first events after start show any start-up latency spike."""
    results.measure("8 relay process", "start", "process start -> streaming", "s").samples.append(
        relay.start_seconds
    )
    first = max(1, round(min(seconds, 2.0) * 100))
    load = WriteLoad(url, f"s{next(_topics)}", first / 100, rate=100, max_events=first)
    run_load(bootstrap_servers, load, warm_up=False).record(
        results, "8 relay process", "first events after start, 100/s"
    )


def _soak(
    results: Results, relay: RelayProcess, url: str, bootstrap_servers: str, seconds: float
) -> None:
    """1,000 events/s for ``seconds``, the relay's RSS sampled all along."""
    samples: list[tuple[float, float]] = []
    done = threading.Event()
    every = max(1.0, seconds / 120)

    def sample() -> None:
        started = time.perf_counter()
        while not done.wait(every):
            samples.append((time.perf_counter() - started, relay.rss_mib()))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    load = WriteLoad(url, f"soak{next(_topics)}", seconds, rate=1000)
    run = run_load(bootstrap_servers, load, timeout=seconds + 120)
    done.set()
    sampler.join(10)
    run.record(results, "2 relay", "soak at 1,000/s")
    samples.append((seconds, relay.rss_mib()))
    results.series["rss/soak"] = samples
    results.measure(
        "6 memory", "relay process", "RSS at the end of the soak", "MiB"
    ).samples.append(samples[-1][1])
    values = [rss for _, rss in samples]
    results.measure("6 memory", "relay process", "RSS range over the soak", "MiB").samples.append(
        max(values) - min(values)
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
    the slot holds it, then start the relay and time the drain. The same backlog
    streamed by ``pg_recvlogical`` is the ceiling for any WAL reader."""
    backlog = 2_000 if seconds < 1 else 20_000
    for index in range(repeat):
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

        received, rate, timeline = drain_backlog(bootstrap_servers, load, relaying)
        results.measure(
            "2 relay", f"drain a {backlog:,} backlog", "throughput", "events/s"
        ).samples.append(rate)
        if index == 0:
            results.series["drain/Postroom relay"] = timeline
        if received != backlog:
            results.notes.append(f"relay drain: {received} of {backlog} arrived")

        raw_url = make_database("bench_raw")
        raw = WriteLoad(
            raw_url, f"x{next(_topics)}", 3600, rate=None, per_transaction=100, max_events=backlog
        )
        decoded, raw_rate, raw_timeline = raw_drain(raw)
        results.measure(
            "7 raw decoding", f"{RAW}, drain a {backlog:,} backlog", "throughput", "events/s"
        ).samples.append(raw_rate)
        if index == 0:
            results.series["drain/raw logical decoding (pg_recvlogical)"] = raw_timeline
        if decoded != backlog:
            results.notes.append(f"raw decoding drain: {decoded} of {backlog} decoded")
    results.ratio(
        "relay drain ÷ raw logical decoding drain",
        results.get("2 relay", f"drain a {backlog:,} backlog", "throughput"),
        results.get("7 raw decoding", f"{RAW}, drain a {backlog:,} backlog", "throughput"),
        target=">= 0.5x",
    )


def _many_databases(
    results: Results,
    make_database: Callable[[str], str],
    bootstrap_servers: str,
    databases: tuple[int, ...],
    per_database: int,
) -> None:
    """One relay process for ``n`` databases, each with a backlog of ``per_database``:
    drain throughput and RSS, in all and per database."""
    for count in databases:
        urls = [make_database(f"bench_multi{count}") for _ in range(count)]
        kind = f"m{next(_topics)}"
        loads = [
            WriteLoad(u, kind, 3600, rate=None, per_transaction=100, max_events=per_database)
            for u in urls
        ]
        names = [(f"multi{count}_{i}_{next(_topics)}", u) for i, u in enumerate(urls)]
        seen: dict[str, float] = {}

        @contextmanager
        def relaying(
            names: list[tuple[str, str]] = names, seen: dict[str, float] = seen
        ) -> Iterator[None]:
            with RelayProcess(names, bootstrap_servers) as relay:
                seen["start"] = relay.start_seconds
                yield
                seen["rss"] = relay.rss_mib()

        received, rate, _ = drain_backlog(bootstrap_servers, loads, relaying, timeout=600)
        variant = f"{count} source database{'s' if count > 1 else ''}"
        results.measure("9 many databases", variant, "drain throughput", "events/s").samples.append(
            rate
        )
        results.measure(
            "9 many databases", variant, "drain throughput per database", "events/s"
        ).samples.append(rate / count)
        results.measure("9 many databases", variant, "RSS after the drain", "MiB").samples.append(
            seen.get("rss", float("nan"))
        )
        results.measure(
            "9 many databases", variant, "process start -> streaming", "s"
        ).samples.append(seen.get("start", float("nan")))
        if received != per_database * count:
            results.notes.append(f"{variant}: {received} of {per_database * count} arrived")
