"""Load generators and the measuring consumer, each run in its own process.

Separate processes keep the writer, the consumer and the relay (or poller) from sharing
one GIL: the latencies measured are the pipeline's, not the benchmark's.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = ["WARM_UP", "ConsumerReport", "WriteLoad", "consume", "write", "write_warm_up"]

WARM_UP = "WarmUp"

_POLLED_INSERT = (
    "INSERT INTO polled_outbox (id, aggregatetype, aggregateid, type, payload, timestamp) "
    "VALUES (:id, :aggregatetype, :aggregateid, :type, CAST(:payload AS jsonb), :timestamp)"
)


@dataclass(frozen=True)
class WriteLoad:
    """What a writer process does: ``rate`` events/s (None: as fast as it can) for
    ``seconds``, ``per_transaction`` events per commit, into ``sink``."""

    database_url: str
    aggregate_type: str
    seconds: float
    rate: float | None
    per_transaction: int = 1
    sink: str = "outbox"  # "outbox": publish(); "polled": the polling baseline's table
    notify: bool = False  # polling baseline: NOTIFY in the writing transaction
    threads: int = 2
    processes: int = 2  # writer processes, each running ``threads`` threads
    max_events: int | None = None  # stop after this many events in all (split evenly)


def _writer_thread(load: WriteLoad, slot: int, counts: list[int]) -> None:
    import sqlalchemy as sa
    from sqlalchemy.orm import Session

    from postroom.outbox import Event, Outbox

    engine = sa.create_engine(load.database_url, pool_size=1)
    outbox = Outbox()
    insert = sa.text(_POLLED_INSERT)
    notify = sa.text("NOTIFY polled_outbox")
    writers = load.threads * load.processes
    per_thread_rate = None if load.rate is None else load.rate / writers
    quota = None if load.max_events is None else load.max_events // writers
    start = time.perf_counter()
    deadline = start + load.seconds
    written = 0
    with Session(engine) as session:
        while True:
            now = time.perf_counter()
            if now >= deadline or (quota is not None and written >= quota):
                break
            if per_thread_rate is not None:
                due = start + written / per_thread_rate
                if due > now:
                    time.sleep(due - now)
            with session.begin():
                events = [
                    Event(
                        aggregate_type=load.aggregate_type,
                        aggregate_id=f"{os.getpid()}-{slot}-{written + i}",
                        type="Touched",
                        payload={"n": written + i, "data": "x" * 64},
                    )
                    for i in range(load.per_transaction)
                ]
                if load.sink == "outbox":
                    for event in events:
                        outbox.publish(session, event)
                else:
                    session.execute(insert, [polled_row(e) for e in events])
                    if load.notify:
                        session.execute(notify)
            written += load.per_transaction
    engine.dispose()
    counts[slot] = written


#: The columns the polling baseline's table has (a subset of the outbox's).
POLLED_COLUMNS = ("id", "aggregatetype", "aggregateid", "type", "payload", "timestamp")


def polled_row(event: Any) -> dict[str, Any]:
    """The polling baseline's row for ``event``: the outbox's first columns."""
    from postroom.outbox import wire

    row = wire.event_row(event)
    return {column: row[column] for column in POLLED_COLUMNS}


def write_warm_up(load: WriteLoad) -> None:
    """One ``WarmUp`` event, so the first measured event finds the topic's metadata,
    connections and JIT already warm; the consumer counts it apart."""
    import sqlalchemy as sa
    from sqlalchemy.orm import Session

    from postroom.outbox import Event, Outbox

    engine = sa.create_engine(load.database_url, poolclass=sa.pool.NullPool)
    event = Event(
        aggregate_type=load.aggregate_type, aggregate_id="warm-up", type=WARM_UP, payload={}
    )
    with Session(engine) as session, session.begin():
        if load.sink == "outbox":
            Outbox().publish(session, event)
        else:
            session.execute(sa.text(_POLLED_INSERT), polled_row(event))
            session.execute(sa.text("NOTIFY polled_outbox"))
    engine.dispose()


def write(load: WriteLoad, result: Any) -> None:
    """Process entry point: run ``load``; put the number of events committed on ``result``."""
    import threading

    counts = [0] * load.threads
    threads = [
        threading.Thread(target=_writer_thread, args=(load, i, counts)) for i in range(load.threads)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.put(sum(counts))


@dataclass
class ConsumerReport:
    received: int
    first_at: float
    last_at: float
    latencies_ms: list[float]
    arrivals: list[float]  # wall-clock arrival time of each event, in arrival order


def consume(
    bootstrap_servers: str,
    topic: str,
    ready: Any,
    expected: Any,
    result: Any,
    timeout: float,
    warmed: Any,
) -> None:
    """Process entry point: read ``topic`` from the beginning, timing each record's
    arrival against its ``timestamp`` header, until ``expected`` records (a value set
    later through the ``expected`` queue) arrived or ``timeout`` passed."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        enable_auto_commit=False,
        fetch_max_wait_ms=5,
        max_poll_records=5000,
    )
    partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic))]
    consumer.assign(partitions)
    consumer.seek_to_beginning()
    consumer.poll(timeout_ms=10)
    ready.set()
    latencies: list[float] = []
    arrivals: list[float] = []
    first = last = 0.0
    target: int | None = None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if target is None and not expected.empty():
            target = expected.get()
        if target is not None and len(latencies) >= target:
            break
        batches = consumer.poll(timeout_ms=50)
        now = time.time()
        for records in batches.values():
            for record in records:
                headers = dict(record.headers)
                if headers.get("eventType") == WARM_UP.encode():
                    warmed.set()
                    continue
                stamp = headers.get("timestamp")
                if stamp is None:
                    continue
                sent = datetime.fromisoformat(stamp.decode()).timestamp()
                latencies.append((now - sent) * 1000)
                arrivals.append(now)
                first = first or now
                last = now
    consumer.close()
    result.put(ConsumerReport(len(latencies), first, last, latencies, arrivals))


def context() -> mp.context.SpawnContext:
    """Fresh interpreters (no JVM, no threads inherited) for writers and consumers."""
    return mp.get_context("spawn")
