"""Writers, a collector and the loss/order/duplicate report the crash tests share."""

from __future__ import annotations

import itertools
import json
import random
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from kafka import KafkaConsumer, TopicPartition
from sqlalchemy.orm import Session

from postroom.outbox import Event, publish


@dataclass
class Written:
    topic: str
    aggregate: str
    seq: int


class Writer(threading.Thread):
    """Publishes ``total`` events over several databases at about ``rate`` events/s.

    Only events whose transaction commit returned are counted as written; a failed
    transaction (PostgreSQL restarting) is retried with new ids and the same sequence
    numbers, so per-aggregate order is defined by what committed.
    """

    def __init__(
        self, engines: dict[str, sa.Engine], total: int, *, rate: float, batch: int = 20
    ) -> None:
        super().__init__(daemon=True)
        self.engines = engines
        self.total = total
        self.rate = rate
        self.batch = batch
        self.written: dict[str, Written] = {}
        self.failed_transactions = 0
        self.error: BaseException | None = None
        self._seq: dict[tuple[str, str], int] = defaultdict(int)
        self._random = random.Random(7)
        self.gate = threading.Event()  # cleared: the writer pauses between transactions
        self.gate.set()

    @property
    def count(self) -> int:
        return len(self.written)

    def run(self) -> None:
        try:
            names = itertools.cycle(sorted(self.engines))
            start = time.monotonic()
            while self.count < self.total:
                self.gate.wait()
                name = next(names)
                self._one_transaction(name, min(self.batch, self.total - self.count))
                ahead = self.count / self.rate - (time.monotonic() - start)
                if ahead > 0:
                    time.sleep(ahead)
        except BaseException as exc:
            self.error = exc

    def _one_transaction(self, name: str, size: int) -> None:
        kind = f"chaos_{name}"
        while True:
            planned = []
            for _ in range(size):
                aggregate = f"{name}-{self._random.randrange(20)}"
                planned.append(aggregate)
            seqs: dict[str, int] = {}
            events = []
            for aggregate in planned:
                seqs[aggregate] = seqs.get(aggregate, self._seq[(name, aggregate)]) + 1
                events.append(
                    Event(
                        aggregate_type=kind,
                        aggregate_id=aggregate,
                        type="Stepped",
                        payload={"aggregate": aggregate, "seq": seqs[aggregate]},
                    )
                )
            try:
                with Session(self.engines[name]) as session, session.begin():
                    for event in events:
                        publish(session, event)
            except sa.exc.OperationalError:
                self.failed_transactions += 1
                time.sleep(0.2)
                continue
            for aggregate, seq in seqs.items():
                self._seq[(name, aggregate)] = seq
            for event in events:
                assert isinstance(event.payload, dict)
                self.written[str(event.id)] = Written(
                    f"outbox.event.{kind}", event.aggregate_id, int(event.payload["seq"])
                )
            return


@dataclass
class Seen:
    topic: str
    partition: int
    offset: int
    event_id: str
    aggregate: str
    seq: int


class Collector(threading.Thread):
    """Consumes every partition of ``topics`` from the beginning, keeping what it saw."""

    def __init__(self, bootstrap_servers: str, topics: list[str]) -> None:
        super().__init__(daemon=True)
        self.bootstrap_servers = bootstrap_servers
        self.topics = topics
        self.seen: list[Seen] = []
        self._halt = threading.Event()
        self._lock = threading.Lock()

    def run(self) -> None:
        consumer = KafkaConsumer(
            bootstrap_servers=self.bootstrap_servers,
            enable_auto_commit=False,
            fetch_max_wait_ms=50,
            request_timeout_ms=20_000,
        )
        try:
            partitions = [
                TopicPartition(topic, p)
                for topic in self.topics
                for p in sorted(consumer.partitions_for_topic(topic) or [])
            ]
            consumer.assign(partitions)
            consumer.seek_to_beginning()
            while not self._halt.is_set():
                for records in consumer.poll(timeout_ms=200).values():
                    for r in records:
                        payload = json.loads(r.value)
                        seen = Seen(
                            r.topic,
                            r.partition,
                            r.offset,
                            dict(r.headers)["id"].decode(),
                            payload["aggregate"],
                            payload["seq"],
                        )
                        with self._lock:
                            self.seen.append(seen)
        finally:
            consumer.close()

    def ids(self) -> set[str]:
        with self._lock:
            return {s.event_id for s in self.seen}

    def stop(self) -> None:
        self._halt.set()
        self.join(30)


@dataclass
class Report:
    written: int
    received: int
    lost: int
    duplicates: int
    order_violations: int
    examples: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"written={self.written} received={self.received} lost={self.lost} "
            f"duplicates={self.duplicates} order_violations={self.order_violations}"
        )


def analyse(written: dict[str, Written], seen: list[Seen]) -> Report:
    """Lost = written but never seen; duplicates = extra copies; order = per aggregate,
    the first copies of committed events must arrive in commit (sequence) order."""
    ids = [s.event_id for s in seen if s.event_id in written]
    lost = set(written) - set(ids)
    first: dict[str, Seen] = {}
    for s in seen:
        if s.event_id in written and s.event_id not in first:
            first[s.event_id] = s
    by_aggregate: dict[tuple[str, str], list[Seen]] = defaultdict(list)
    for s in sorted(first.values(), key=lambda s: (s.topic, s.partition, s.offset)):
        by_aggregate[(s.topic, s.aggregate)].append(s)
    violations = []
    for key, items in by_aggregate.items():
        for before, after in itertools.pairwise(items):
            if after.seq <= before.seq:
                violations.append(f"{key}: seq {after.seq} after {before.seq}")
    return Report(
        written=len(written),
        received=len(ids),
        lost=len(lost),
        duplicates=len(ids) - len(set(ids)),
        order_violations=len(violations),
        examples=[*sorted(lost)[:5], *violations[:5]],
    )


def wait_until_all_arrived(
    collector: Collector, written: dict[str, Written], *, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if set(written) <= collector.ids():
            return
        time.sleep(0.25)


def new_id() -> str:
    return uuid.uuid4().hex[:8]
