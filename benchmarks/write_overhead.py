"""Scenario 1: what ``publish()`` costs a business transaction, per outbox mode.

The same business transaction (1 or 10 rows) is committed as fast as possible by 4
concurrent clients, alone and with one ``publish()``; the ratio of commits/s is the
overhead. Variants are interleaved within each repetition so that machine noise hits
them alike.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import get_args

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import Session

from benchmarks._harness import Results
from postroom.outbox import Event, Outbox, OutboxMode

__all__ = ["run"]

CLIENTS = 4
_INSERT = sa.text("INSERT INTO business (user_id, data) VALUES (:user_id, :data)")


def _event(n: int) -> Event:
    return Event(
        aggregate_type="bench",
        aggregate_id=str(n),
        type="Touched",
        payload={"user_id": n, "data": "x" * 64},
    )


def available_modes() -> dict[str, Outbox | None]:
    """The baseline (no outbox) and every outbox mode."""
    return {
        "business alone": None,
        "table": Outbox(mode="table"),
        "retain": Outbox(mode="retain"),
        "wal-message": Outbox(mode="wal-message"),
    }


def _sync_rate(engine: sa.Engine, outbox: Outbox | None, rows: int, seconds: float) -> float:
    counts = [0] * CLIENTS
    deadline = time.perf_counter() + seconds

    def client(slot: int) -> None:
        with Session(engine) as session:
            n = 0
            while time.perf_counter() < deadline:
                with session.begin():
                    session.execute(_INSERT, [{"user_id": n, "data": "x" * 64}] * rows)
                    if outbox is not None:
                        outbox.publish(session, _event(n))
                n += 1
            counts[slot] = n

    start = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.perf_counter() - start)


async def _async_rate(url: str, outbox: Outbox | None, rows: int, seconds: float) -> float:
    engine = create_async_engine(url.replace("+psycopg", "+asyncpg"), pool_size=CLIENTS)
    deadline = time.perf_counter() + seconds

    async def client() -> int:
        n = 0
        async with AsyncSession(engine) as session:
            while time.perf_counter() < deadline:
                async with session.begin():
                    await session.execute(_INSERT, [{"user_id": n, "data": "x" * 64}] * rows)
                    if outbox is not None:
                        await outbox.publish_async(session, _event(n))
                n += 1
        return n

    start = time.perf_counter()
    counts = await asyncio.gather(*(client() for _ in range(CLIENTS)))
    elapsed = time.perf_counter() - start
    await engine.dispose()
    return sum(counts) / elapsed


BATCH = 100


def _batch_rate(engine: sa.Engine, outbox: Outbox, *, many: bool, seconds: float) -> float:
    """Events/s of 4 clients each committing transactions of ``BATCH`` events: one
    ``publish`` per event, or one ``publish_many`` per transaction. The events are made
    before the clock starts (the same in both variants) and reused: ``table`` mode deletes
    each row in its own transaction and ``wal-message`` has no table, so a client may
    repeat its own ids."""
    counts = [0] * CLIENTS
    prepared = [[[_event(i) for i in range(BATCH)] for _ in range(4)] for _ in range(CLIENTS)]
    deadline = time.perf_counter() + seconds

    def client(slot: int) -> None:
        with Session(engine) as session:
            n = 0
            while time.perf_counter() < deadline:
                events = prepared[slot][(n // BATCH) % 4]
                with session.begin():
                    if many:
                        outbox.publish_many(session, events)
                    else:
                        for event in events:
                            outbox.publish(session, event)
                n += BATCH
            counts[slot] = n

    start = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.perf_counter() - start)


def run_batches(
    results: Results, engines: dict[str, sa.Engine], *, seconds: float, repeat: int
) -> None:
    """``publish_many`` against a ``publish`` per event, 100 events per transaction."""
    for _ in range(repeat):
        for mode in ("table", "wal-message"):
            outbox = Outbox(mode=mode)
            for many in (False, True):
                variant = f"{mode}, {'publish_many' if many else 'publish loop'}"
                results.measure(
                    "1 write overhead", f"sync {BATCH} events/txn: {variant}", "events", "1/s"
                ).samples.append(_batch_rate(engines[mode], outbox, many=many, seconds=seconds))
    for mode in ("table", "wal-message"):
        name = "publish_many ÷ publish loop, 100 events/txn"
        results.ratio(
            name if mode == "table" else f"{name} ({mode})",
            results.get(
                "1 write overhead", f"sync {BATCH} events/txn: {mode}, publish_many", "events"
            ),
            results.get(
                "1 write overhead", f"sync {BATCH} events/txn: {mode}, publish loop", "events"
            ),
            target=">= 5x",
        )


def run(
    results: Results,
    make_database: Callable[[str, OutboxMode], str],
    *,
    seconds: float,
    repeat: int,
) -> None:
    # One database per mode: each records its own mode, and publish() follows it (the
    # baseline runs on the table-mode one).
    urls = {mode: make_database("bench_write", mode) for mode in get_args(OutboxMode)}
    engines = {mode: sa.create_engine(url, pool_size=CLIENTS) for mode, url in urls.items()}
    for engine in engines.values():
        with engine.begin() as connection:
            connection.execute(
                sa.text("CREATE TABLE business (id bigserial PRIMARY KEY, user_id int, data text)")
            )
    modes = available_modes()
    try:
        for _ in range(repeat):
            for rows in (1, 10):
                for api in ("sync", "async"):
                    for mode, outbox in modes.items():
                        where: OutboxMode = outbox.mode if outbox and outbox.mode else "table"
                        if api == "sync":
                            rate = _sync_rate(engines[where], outbox, rows, seconds)
                        else:
                            rate = asyncio.run(_async_rate(urls[where], outbox, rows, seconds))
                        results.measure(
                            "1 write overhead", f"{api} {rows}-row: {mode}", "commits", "1/s"
                        ).samples.append(rate)
        run_batches(results, engines, seconds=seconds, repeat=repeat)
    finally:
        for engine in engines.values():
            engine.dispose()
    for rows in (1, 10):
        for api in ("sync", "async"):
            base = results.get("1 write overhead", f"{api} {rows}-row: business alone", "commits")
            for mode in modes:
                if mode == "business alone":
                    continue
                target = {"table": "<= 1.30x", "wal-message": "<= 1.15x"}.get(mode, "")
                target = target if rows == 1 else ""
                results.ratio(
                    f"outbox overhead {api} {rows}-row, {mode} (alone ÷ with)",
                    base,
                    results.get("1 write overhead", f"{api} {rows}-row: {mode}", "commits"),
                    target=target,
                )
