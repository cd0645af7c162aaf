"""Drive one load through a running publisher (relay or poller) and time what arrives."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

import sqlalchemy as sa

from benchmarks._harness import Results, percentile
from benchmarks._load import ConsumerReport, WriteLoad, consume, context, write, write_warm_up
from postroom.connectors import ensure_topics

__all__ = [
    "PipelineRun",
    "drain_backlog",
    "drain_timeline",
    "idle_transactions_per_s",
    "run_load",
    "write_all",
]


@dataclass(frozen=True)
class PipelineRun:
    written: int
    write_seconds: float
    report: ConsumerReport
    throughput: float  # events/s from the first write until the last one arrived

    def record(self, results: Results, scenario: str, variant: str) -> None:
        lat = self.report.latencies_ms
        results.series.setdefault(f"{scenario}/{variant}/latency", []).extend(lat)
        results.measure(scenario, variant, "throughput", "events/s").samples.append(self.throughput)
        results.measure(scenario, variant, "offered", "events/s").samples.append(
            self.written / self.write_seconds
        )
        for name, q in (("latency p50", 50), ("latency p99", 99), ("latency max", 100)):
            results.measure(scenario, variant, name, "ms").samples.append(percentile(lat, q))
        lost = self.written - self.report.received
        if lost:
            results.notes.append(
                f"{scenario}/{variant}: {lost} events had not arrived by the timeout"
            )


def run_load(
    bootstrap_servers: str, load: WriteLoad, *, timeout: float = 120.0, warm_up: bool = True
) -> PipelineRun:
    """Write ``load`` while a consumer in another process times each event's arrival
    (after one warm-up event has gone through, unless ``warm_up`` is False: then the
    first events measured are the first the publisher sees)."""
    topic = f"outbox.event.{load.aggregate_type}"
    ensure_topics(bootstrap_servers, [topic])
    ctx = context()
    ready, expected, reported = ctx.Event(), ctx.Queue(), ctx.Queue()
    warmed = ctx.Event()
    consumer = ctx.Process(
        target=consume, args=(bootstrap_servers, topic, ready, expected, reported, timeout, warmed)
    )
    consumer.start()
    try:
        if not ready.wait(60):
            raise RuntimeError("the measuring consumer did not start")
        if warm_up:
            write_warm_up(load)
        else:
            warmed.set()
        if not warmed.wait(60):
            raise RuntimeError("the warm-up event did not arrive within 60 s")
        started_wall, started = time.time(), time.perf_counter()
        written = write_all(load)
        write_seconds = time.perf_counter() - started
        expected.put(written)
        report: ConsumerReport = reported.get(timeout=timeout + 30)
        consumer.join(30)
    finally:
        for process in (consumer,):
            if process.is_alive():
                process.kill()
    last = report.last_at or time.time()
    return PipelineRun(
        written, write_seconds, report, report.received / max(last - started_wall, 1e-9)
    )


def idle_transactions_per_s(database_url: str, seconds: float) -> float:
    """Transactions/s the database ran while nothing was written (ours subtracted)."""
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    query = sa.text(
        "SELECT xact_commit + xact_rollback FROM pg_stat_database "
        "WHERE datname = current_database()"
    )
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT pg_stat_force_next_flush()"))
            connection.commit()
            time.sleep(1.1)
            before = connection.execute(query).scalar_one()
            connection.commit()
            time.sleep(seconds)
            connection.execute(sa.text("SELECT pg_stat_clear_snapshot()"))
            after = connection.execute(query).scalar_one()
            connection.commit()
    finally:
        engine.dispose()
    own = 2  # the commit after our first read, and the snapshot clear
    return max(0.0, (int(after) - int(before) - own) / seconds)


def write_all(load: WriteLoad) -> int:
    """Run ``load``'s writer processes to the end; return the events they committed."""
    ctx = context()
    queue = ctx.Queue()
    writers = [ctx.Process(target=write, args=(load, queue)) for _ in range(load.processes)]
    for writer in writers:
        writer.start()
    written: int = sum(queue.get(timeout=load.seconds + 120) for _ in writers)
    for writer in writers:
        writer.join(30)
    return written


def drain_timeline(report: ConsumerReport, step: int = 100) -> list[tuple[float, int]]:
    """(seconds since the first arrival, events arrived so far), every ``step`` events."""
    arrivals = report.arrivals
    if not arrivals:
        return []
    points = [(at - arrivals[0], n + 1) for n, at in enumerate(arrivals) if (n + 1) % step == 0]
    points.append((arrivals[-1] - arrivals[0], len(arrivals)))
    return points


def drain_backlog(
    bootstrap_servers: str,
    load: WriteLoad | list[WriteLoad],
    publisher: Callable[[], AbstractContextManager[object]],
    *,
    timeout: float = 180.0,
) -> tuple[int, float, list[tuple[float, int]]]:
    """Write ``load`` (one or several, all to the same topic) with no publisher running,
    then start ``publisher`` and time how fast it drains the backlog: (events, events/s
    from first to last arrival, timeline). The writers are done before the clock starts,
    so their cost does not count."""
    loads = load if isinstance(load, list) else [load]
    topic = f"outbox.event.{loads[0].aggregate_type}"
    ensure_topics(bootstrap_servers, [topic])
    written = sum(write_all(each) for each in loads)
    ctx = context()
    ready, expected, reported, unused = ctx.Event(), ctx.Queue(), ctx.Queue(), ctx.Event()
    consumer = ctx.Process(
        target=consume,
        args=(bootstrap_servers, topic, ready, expected, reported, timeout, unused),
    )
    consumer.start()
    try:
        if not ready.wait(60):
            raise RuntimeError("the measuring consumer did not start")
        expected.put(written)
        with publisher():
            report: ConsumerReport = reported.get(timeout=timeout + 30)
        consumer.join(30)
    finally:
        if consumer.is_alive():
            consumer.kill()
    span = max(report.last_at - report.first_at, 1e-9)
    return report.received, report.received / span, drain_timeline(report)
