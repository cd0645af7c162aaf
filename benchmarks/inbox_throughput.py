"""Inbox throughput: the same handler with the inbox's dedupe and without it, same run.

    .venv/bin/python -m benchmarks.inbox_throughput --messages 20000 [--rounds 2] [--json]

Starts the embedded stack (PostgreSQL 18 + Apache Kafka, or Tansu with
``POSTROOM_BROKER=tansu``, on 127.0.0.1), puts N messages shaped like the relay's on a
topic, then consumes them with a fresh consumer group per variant; rounds alternate the
variants to spread out machine noise.

- ``inbox``: ``InboxWorker``, one transaction per message (dedupe INSERT + handler).
- ``inbox-batch``: ``InboxWorker(batch=True)``: one dedupe statement per poll.
- ``no-dedupe``: the same consumer settings and handler, one transaction per message,
  no inbox row (what you would write without Postroom; not safe under redelivery).
- ``no-dedupe-batch``: the same, one transaction per poll.

Rate = messages / time from the first non-empty poll to the last message handled
(the group join is not counted). Offsets are committed per poll in every variant.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.structs import OffsetAndMetadata
from sqlalchemy.orm import Session

from benchmarks._harness import Results
from postroom import migrations
from postroom.connectors import ensure_topics
from postroom.devstack import EmbeddedStack
from postroom.inbox import HandlerRegistry, InboxConfig, InboxMessage, InboxWorker, decode_record
from postroom.outbox import uuid7

TOPIC = "outbox.event.bench"
CONSUMER = {"session_timeout_ms": 2000, "heartbeat_interval_ms": 500, "fetch_max_wait_ms": 10}


def handler(session: Session, message: InboxMessage) -> None:
    session.execute(
        sa.text("INSERT INTO effect (message_id, n) VALUES (:id, :n)"),
        {"id": message.id, "n": message.payload["n"]},
    )


def produce(bootstrap_servers: str, count: int) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap_servers, acks="all", linger_ms=20)
    for n in range(count):
        headers = [
            ("id", str(uuid7()).encode()),
            ("eventType", b"BenchEvent"),
            ("timestamp", b"2026-11-23T10:00:00Z"),
            ("schemaVersion", b"1"),
        ]
        producer.send(
            TOPIC, key=f"k{n % 101}".encode(), value=json.dumps({"n": n}).encode(), headers=headers
        )
    producer.flush(timeout=120)
    producer.close()


def timed(poll: Callable[[], int], count: int, timeout_s: float = 600) -> float:
    """Seconds from the first non-empty poll until ``count`` records were handled."""
    done, start, deadline = 0, 0.0, time.monotonic() + timeout_s
    while done < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"only {done}/{count} handled")
        got = poll()
        if got and not start:
            start = time.monotonic()
        done += got
    return time.monotonic() - start


def run_inbox(servers: str, engine: sa.Engine, group: str, count: int, batch: bool) -> float:
    registry = HandlerRegistry()
    registry.on("BenchEvent")(handler)
    config = InboxConfig(
        consumer=group,
        topics=(TOPIC,),
        bootstrap_servers=servers,
        batch=batch,
        session_timeout_ms=CONSUMER["session_timeout_ms"],
        heartbeat_interval_ms=CONSUMER["heartbeat_interval_ms"],
        fetch_max_wait_ms=CONSUMER["fetch_max_wait_ms"],
    )
    worker = InboxWorker(config, registry, engine)
    try:
        return timed(worker.poll_once, count)
    finally:
        worker.close()


def run_plain(servers: str, engine: sa.Engine, group: str, count: int, batch: bool) -> float:
    consumer = KafkaConsumer(
        TOPIC,
        bootstrap_servers=servers,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=500,
        **CONSUMER,
    )

    def poll() -> int:
        batches = consumer.poll(timeout_ms=200)
        records = [r for rs in batches.values() for r in rs]
        messages = [decode_record(r) for r in records]
        if batch and messages:
            with Session(engine) as session, session.begin():
                for message in messages:
                    handler(session, message)
        else:
            for message in messages:
                with Session(engine) as session, session.begin():
                    handler(session, message)
        offsets: dict[TopicPartition, OffsetAndMetadata] = {}
        for tp, rs in batches.items():
            offsets[tp] = OffsetAndMetadata(rs[-1].offset + 1, "", -1)
        if offsets:
            consumer.commit(offsets)
        return len(records)

    try:
        return timed(poll, count)
    finally:
        consumer.close(autocommit=False)


VARIANTS: dict[str, Callable[[str, sa.Engine, str, int], float]] = {
    "inbox": lambda s, e, g, n: run_inbox(s, e, g, n, batch=False),
    "no-dedupe": lambda s, e, g, n: run_plain(s, e, g, n, batch=False),
    "inbox-batch": lambda s, e, g, n: run_inbox(s, e, g, n, batch=True),
    "no-dedupe-batch": lambda s, e, g, n: run_plain(s, e, g, n, batch=True),
}


def measure(bootstrap_servers: str, url: str, messages: int, rounds: int) -> dict[str, list[float]]:
    """Messages/s of every variant, ``rounds`` times, interleaved, on database ``url``."""
    rates: dict[str, list[float]] = {name: [] for name in VARIANTS}
    engine = sa.create_engine(url, pool_size=5)
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE effect (message_id uuid, n int)"))
    ensure_topics(bootstrap_servers, [TOPIC], partitions=3)
    produce(bootstrap_servers, messages)
    for round_ in range(rounds):
        for name, variant in VARIANTS.items():
            with engine.begin() as connection:
                connection.execute(sa.text("TRUNCATE effect, inbox_message"))
            seconds = variant(bootstrap_servers, engine, f"{name}-{round_}", messages)
            rates[name].append(messages / seconds)
            print(f"round {round_ + 1} {name}: {messages / seconds:,.0f} msg/s", file=sys.stderr)
    engine.dispose()
    return rates


def run(
    results: Results,
    make_database: Callable[[str], str],
    bootstrap_servers: str,
    *,
    messages: int,
    repeat: int,
) -> None:
    """Scenario 4 of ``python -m benchmarks``."""
    rates = measure(bootstrap_servers, make_database("bench_inbox"), messages, repeat)
    for name, samples in rates.items():
        results.measure("4 inbox", name, "handled", "messages/s").samples.extend(samples)
    for dedupe, plain in (("inbox", "no-dedupe"), ("inbox-batch", "no-dedupe-batch")):
        results.ratio(
            f"inbox throughput with dedupe ÷ without ({dedupe})",
            results.get("4 inbox", dedupe, "handled"),
            results.get("4 inbox", plain, "handled"),
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.messages < 1 or args.rounds < 1:
        parser.error("--messages and --rounds must be >= 1")
    with EmbeddedStack() as stack:
        url = stack.postgres.create_database("bench")
        migrations.upgrade(url)
        rates = measure(stack.bootstrap_servers, url, args.messages, args.rounds)
    result: dict[str, Any] = {name: round(statistics.median(r)) for name, r in rates.items()}
    result["ratio"] = round(result["inbox"] / result["no-dedupe"], 3)
    result["ratio_batch"] = round(result["inbox-batch"] / result["no-dedupe-batch"], 3)
    result["messages"] = args.messages
    result["rounds"] = args.rounds
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"inbox throughput, {args.messages} messages, median of {args.rounds}")
        table.add_column("variant")
        table.add_column("msg/s", justify="right")
        for name in VARIANTS:
            table.add_row(name, f"{result[name]:,}")
        table.add_row("inbox / no-dedupe", f"{result['ratio']:.2f}")
        table.add_row("inbox-batch / no-dedupe-batch", f"{result['ratio_batch']:.2f}")
        Console().print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
