"""Must show: the whole system survives crashes with nothing lost and nothing applied
twice. Three service databases are written to while the embedded relay (its own process)
relays them to a three-broker Apache Kafka cluster and two inbox worker processes (one
consumer group) apply every event to their own database. At random moments (seeded, the
seed printed) the relay is SIGKILLed three times, a worker three times, one broker once,
and PostgreSQL (every database: writers', relay's source and consumer's) is restarted
once. Afterwards: 0 events lost, 0 duplicate side effects, every aggregate's events
applied in order; the delivered duplicates and how many the inbox absorbed are printed.

Size: ``POSTROOM_SYSTEM_CHAOS_EVENTS`` (5,000 in the default run) at
``POSTROOM_SYSTEM_CHAOS_RATE`` events/s; the full run is 50,000 (see docs/reliability.md).
``POSTROOM_CHAOS_SEED`` replays a schedule.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from postroom import migrations
from postroom.connectors import ensure_topics
from postroom.devstack import EmbeddedPostgres, KafkaCluster
from tests.integration.chaos.conftest import write_report
from tests.integration.chaos.inbox_process import EFFECT_TABLE
from tests.integration.chaos.system import (
    Fault,
    WorkerPool,
    distinct_effects,
    fault_schedule,
    side_effects,
)
from tests.integration.relay.chaos_tools import Collector, Writer, analyse
from tests.integration.relay.relay_process import RelayProcess

pytestmark = [pytest.mark.chaos, pytest.mark.kafka, pytest.mark.slow]

EVENTS = int(os.environ.get("POSTROOM_SYSTEM_CHAOS_EVENTS", "5000"))
# Slow enough that every fault lands while events are written: a relay restart takes
# 10-20 s on two busy cores, and the next relay kill waits for it to stream again.
RATE = float(os.environ.get("POSTROOM_SYSTEM_CHAOS_RATE", str(max(40.0, EVENTS / 200))))
SERVICES = ("orders", "billing", "shipping")
GROUP = "chaos-sink"
#: The whole run's bound (the suite's default is 5 minutes per test): the full run must
#: finish within 20 minutes on two cores.
TIMEOUT_S = 1200
#: A killed worker's replacement must be given partitions within this many seconds.
REJOIN_WITHIN_S = 60.0


@pytest.fixture
def postgres() -> Iterator[EmbeddedPostgres]:
    """A PostgreSQL of this test's own: it is restarted in the middle."""
    server = EmbeddedPostgres()
    try:
        yield server.start()
    finally:
        server.stop()


class Relay:
    """The relay process, started again in the background after each SIGKILL."""

    def __init__(self, urls: dict[str, str], bootstrap_servers: str, state_dir: Path) -> None:
        options = ["--heartbeat-interval-ms", "1000"]
        for name in SERVICES:
            options += ["--aggregate-type", f"chaos_{name}"]
        self._args = (urls, bootstrap_servers, state_dir, *options)
        self.process = RelayProcess(*self._args).start()
        self.streaming = threading.Event()
        self.streaming.set()
        self.start_failures: list[str] = []
        self._restarter: threading.Thread | None = None

    def kill_and_restart(self) -> None:
        self.streaming.wait(120)  # kill a relay that streams, not one still starting
        self.process.kill()
        self.streaming.clear()
        self._restarter = threading.Thread(target=self._restart, daemon=True)
        self._restarter.start()

    def _restart(self) -> None:
        for _ in range(5):
            self.process = RelayProcess(*self._args)
            try:
                self.process.start(ready_timeout=120)
            except AssertionError as exc:
                self.start_failures.append(str(exc)[-300:])
                self.process.stop()
                continue
            self.streaming.set()
            return

    def stop(self) -> None:
        if self._restarter is not None:
            self._restarter.join(150)
        self.process.stop()


@pytest.mark.timeout(TIMEOUT_S)
def test_the_whole_system_loses_nothing_and_applies_nothing_twice_through_every_fault(
    postgres: EmbeddedPostgres, kafka3: KafkaCluster, tmp_path: Path
) -> None:
    seed = int(os.environ.get("POSTROOM_CHAOS_SEED") or random.randrange(1_000_000))
    schedule = fault_schedule(seed, EVENTS)
    print(f"\nseed={seed} events={EVENTS} rate={RATE:.0f}/s schedule={schedule}")
    began = time.monotonic()
    urls, writers = {}, {}
    for name in SERVICES:
        url = postgres.create_database(f"chaos_{name}")
        migrations.upgrade(url)
        urls[f"chaos_{name}"] = url
        writers[name] = sa.create_engine(url, pool_pre_ping=True)
    sink_url = postgres.create_database("chaos_sink")
    migrations.upgrade(sink_url)
    sink = sa.create_engine(sink_url, pool_pre_ping=True)
    with sink.begin() as connection:
        connection.execute(sa.text(EFFECT_TABLE))
    topics = [f"outbox.event.chaos_{name}" for name in SERVICES]
    bootstrap = kafka3.bootstrap_servers
    # Made up front with three replicas, as an operator would on a three-broker cluster
    # (the relay's own default is one replica), so that a dead broker costs no partition.
    ensure_topics(bootstrap, topics, partitions=3, replication_factor=3)

    relay = Relay(urls, bootstrap, tmp_path / "relay")
    workers = WorkerPool(2, sink_url, bootstrap, GROUP, topics)
    collector = Collector(bootstrap, topics)
    writer = Writer(writers, EVENTS, rate=RATE)
    rng = random.Random(seed)
    fired: list[str] = []
    broker_back: threading.Thread | None = None
    try:
        workers.start()
        collector.start()
        writer.start()
        for fault in schedule:
            while writer.is_alive() and writer.count < fault.at_written:
                writer.join(0.05)
            fired.append(f"{fault.kind}@{writer.count}")
            back = inject(fault, relay, workers, postgres, kafka3, topics, rng)
            broker_back = back or broker_back
        writer.join(EVENTS / RATE * 3 + 300)
        assert not writer.is_alive(), "the writer did not finish"
        if broker_back is not None:
            broker_back.join(120)
        deadline = time.monotonic() + 300
        while distinct_effects(sink) < len(writer.written) and time.monotonic() < deadline:
            time.sleep(0.5)
        workers.wait_rejoined(REJOIN_WITHIN_S)
        time.sleep(2)  # a redelivery still in flight would show as a second row
    finally:
        collector.stop()
        codes = workers.stop()
        relay.stop()
        for engine in writers.values():
            engine.dispose()

    on_kafka = analyse(writer.written, collector.seen)
    applied = side_effects(sink, writer.written)
    sink.dispose()
    handled, absorbed = workers.absorbed()
    write_report(
        f"[whole system, {EVENTS} events, 3 databases, seed {seed}] "
        f"written={len(writer.written)} on_kafka_lost={on_kafka.lost} "
        f"delivered_duplicates={on_kafka.duplicates} handled_by_inbox={handled} "
        f"absorbed_by_inbox={absorbed} "
        f"side_effects={applied.rows} lost={applied.lost} "
        f"duplicate_side_effects={applied.duplicates} order_violations={applied.order_violations} "
        f"kafka_order_violations={on_kafka.order_violations} faults={fired} "
        f"worker_rejoin_s={workers.rejoin_seconds} "
        f"workers_exited_by_themselves={len(workers.exited_by_themselves)} "
        f"writer_retried_transactions={writer.failed_transactions} "
        f"wall_s={time.monotonic() - began:.0f}"
    )
    for line in workers.exited_by_themselves:
        print(f"  worker exited by itself: {line}")

    assert writer.error is None, writer.error
    assert len(fired) == len(schedule)
    assert relay.start_failures == [], relay.start_failures
    assert on_kafka.lost == 0, f"not on Kafka: {on_kafka.examples}"
    assert applied.lost == 0, f"never applied: {applied.examples}"
    assert applied.duplicates == 0, "a side effect was applied twice"
    assert applied.order_violations == 0, f"order broken: {applied.examples}"
    assert all(s <= REJOIN_WITHIN_S for s in workers.rejoin_seconds), workers.rejoin_seconds
    assert len(workers.rejoin_seconds) == 3
    assert codes == [0, 0], f"workers did not stop cleanly: {codes}"


def inject(
    fault: Fault,
    relay: Relay,
    workers: WorkerPool,
    postgres: EmbeddedPostgres,
    kafka: KafkaCluster,
    topics: list[str],
    rng: random.Random,
) -> threading.Thread | None:
    """Fire one fault; for a broker, return the thread that starts it again 8 s later."""
    if fault.kind == "relay":
        relay.kill_and_restart()
    elif fault.kind == "worker":
        workers.kill(rng.randrange(len(workers.slots)))
    elif fault.kind == "postgres":
        postgres.restart()
    elif fault.kind == "broker":
        node = kafka.leader_of(rng.choice(topics), 0)
        kafka.kill(node)

        def back() -> None:
            time.sleep(8)
            kafka.start_node(node)
            kafka.wait_registered(3)

        thread = threading.Thread(target=back, daemon=True)
        thread.start()
        return thread
    return None
