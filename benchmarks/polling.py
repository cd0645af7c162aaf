"""Scenario 3: the baseline Postroom replaces, a table-polling publisher.

Written the way users write it: every poll interval, ``SELECT ... FOR UPDATE SKIP LOCKED
ORDER BY ... LIMIT n``, publish, mark sent, commit. And the best polling can be: woken by
LISTEN/NOTIFY on commit, bigger batched claims, several workers.
"""

from __future__ import annotations

import itertools
import select
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

from benchmarks._harness import Results
from benchmarks._load import WriteLoad, context
from benchmarks._pipeline import drain_backlog, idle_transactions_per_s, run_load

__all__ = ["VARIANTS", "PollerSettings", "run"]

SCHEMA = """
CREATE TABLE polled_outbox (
    id uuid PRIMARY KEY, aggregatetype text NOT NULL, aggregateid text NOT NULL,
    type text NOT NULL, payload jsonb, timestamp timestamptz NOT NULL, sent_at timestamptz
);
CREATE INDEX polled_outbox_unsent ON polled_outbox (timestamp) WHERE sent_at IS NULL;
"""
_CLAIM = """
SELECT id, aggregatetype, aggregateid, type, payload::text, timestamp FROM polled_outbox
WHERE sent_at IS NULL ORDER BY timestamp LIMIT %s FOR UPDATE SKIP LOCKED
"""
_topics = itertools.count()


@dataclass(frozen=True)
class PollerSettings:
    name: str
    interval_s: float
    batch: int
    workers: int
    listen: bool


VARIANTS = (
    PollerSettings("poll every 1 s", 1.0, 100, 1, listen=False),
    PollerSettings("poll every 100 ms", 0.1, 100, 1, listen=False),
    PollerSettings("LISTEN/NOTIFY, 2 workers, batch 500", 1.0, 500, 2, listen=True),
)


def poller(dsn: str, bootstrap_servers: str, settings: PollerSettings, stop: Any) -> None:
    """Process entry point: publish unsent rows until ``stop`` is set."""
    import psycopg
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=bootstrap_servers, acks="all", linger_ms=1)
    connection = psycopg.connect(dsn)
    listener = psycopg.connect(dsn, autocommit=True) if settings.listen else None
    if listener is not None:
        listener.execute("LISTEN polled_outbox")
    try:
        while not stop.is_set():
            with connection.transaction():
                rows = connection.execute(_CLAIM, (settings.batch,)).fetchall()
                futures = [
                    producer.send(
                        f"outbox.event.{aggregatetype}",
                        key=key.encode(),
                        value=payload.encode() if payload else None,
                        headers=[
                            ("id", str(id_).encode()),
                            ("eventType", type_.encode()),
                            ("timestamp", stamp.isoformat().encode()),
                        ],
                    )
                    for id_, aggregatetype, key, type_, payload, stamp in rows
                ]
                producer.flush()
                for future in futures:
                    future.get(timeout=30)
                if rows:
                    connection.execute(
                        "UPDATE polled_outbox SET sent_at = now() WHERE id = ANY(%s)",
                        ([row[0] for row in rows],),
                    )
            if len(rows) == settings.batch:
                continue  # more may be waiting: claim again at once
            if listener is not None:
                select.select([listener.fileno()], [], [], settings.interval_s)
                for _ in listener.notifies(timeout=0):
                    pass
            else:
                time.sleep(settings.interval_s)
    finally:
        connection.close()
        if listener is not None:
            listener.close()
        producer.close()


@contextmanager
def pollers(dsn: str, bootstrap_servers: str, settings: PollerSettings) -> Iterator[None]:
    """Run ``settings.workers`` poller processes; stop them (by PID if need be) on exit."""
    ctx = context()
    stop = ctx.Event()
    workers = [
        ctx.Process(target=poller, args=(dsn, bootstrap_servers, settings, stop))
        for _ in range(settings.workers)
    ]
    for worker in workers:
        worker.start()
    try:
        yield
    finally:
        stop.set()
        for worker in workers:
            worker.join(15)
            if worker.is_alive():
                worker.kill()


def _create_schema(url: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as connection:
        for statement in SCHEMA.split(";"):
            if statement.strip():
                connection.execute(sa.text(statement))
    engine.dispose()


def run(
    results: Results,
    make_database: Callable[[str], str],
    bootstrap_servers: str,
    *,
    seconds: float,
    repeat: int,
    idle_seconds: float,
    loads: tuple[float | None, ...],
    weaker_loads: tuple[float | None, ...] = (1000,),
) -> None:
    """``loads`` for the best poller; the weaker variants (fixed-interval polling) only
    run ``weaker_loads`` (their latency is their interval, whatever the load)."""
    from benchmarks.relay import load_name

    for settings in VARIANTS:
        url = make_database("bench_poll")
        _create_schema(url)
        dsn = url.replace("postgresql+psycopg://", "postgresql://")
        with pollers(dsn, bootstrap_servers, settings):
            time.sleep(1.0)
            results.measure(
                "3 idle load", settings.name, "source transactions", "1/s"
            ).samples.append(idle_transactions_per_s(url, idle_seconds))
            variant_loads = loads if settings is VARIANTS[-1] else weaker_loads
            for _ in range(repeat):
                for rate in variant_loads:
                    load = WriteLoad(
                        url,
                        f"p{next(_topics)}",
                        seconds,
                        rate=rate,
                        per_transaction=1 if rate else 100,
                        sink="polled",
                        notify=settings.listen,
                    )
                    run_load(bootstrap_servers, load).record(
                        results, "3 polling", f"{settings.name}, {load_name(rate)}"
                    )
    best = VARIANTS[-1]
    backlog = 2_000 if seconds < 1 else 20_000
    for index in range(repeat):
        url = make_database("bench_poll_drain")
        _create_schema(url)
        dsn = url.replace("postgresql+psycopg://", "postgresql://")
        load = WriteLoad(
            url,
            f"pd{next(_topics)}",
            3600,
            rate=None,
            per_transaction=100,
            sink="polled",
            max_events=backlog,
        )
        received, rate, timeline = drain_backlog(
            bootstrap_servers, load, partial(pollers, dsn, bootstrap_servers, best)
        )
        if index == 0:
            results.series["drain/best poller (LISTEN/NOTIFY, 2 workers)"] = timeline
        results.measure(
            "3 polling", f"{best.name}, drain a {backlog:,} backlog", "throughput", "events/s"
        ).samples.append(rate)
        if received != backlog:
            results.notes.append(f"polling drain: {received} of {backlog} arrived")
