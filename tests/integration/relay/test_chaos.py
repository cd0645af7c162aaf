"""Crash safety of the relay, with real PostgreSQL, real Debezium and a real broker.

The relay runs as its own OS process (``python -m postroom.cli relay``). Events are
written to two service databases while the relay is killed with SIGKILL three times,
while PostgreSQL restarts and while the broker is frozen for 10 s. Afterwards every
committed event must be on Kafka (0 lost), in order per aggregate; duplicates are
expected (at-least-once) and are counted and reported.

Size: ``POSTROOM_CHAOS_EVENTS`` (default 3000) events at ``POSTROOM_CHAOS_RATE`` events/s
(default 250), so the suite stays short on 2 shared cores; the 20,000-event run is the
same test with ``POSTROOM_CHAOS_EVENTS=20000`` (see docs/relay.md for its numbers).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from postroom import migrations
from postroom.devstack import EmbeddedBroker, EmbeddedPostgres, EmbeddedStack
from tests.integration.relay.chaos_tools import (
    Collector,
    Writer,
    analyse,
    wait_until_all_arrived,
)
from tests.integration.relay.relay_process import RelayProcess

pytestmark = [pytest.mark.chaos, pytest.mark.slow]

EVENTS = int(os.environ.get("POSTROOM_CHAOS_EVENTS", "3000"))
RATE = float(os.environ.get("POSTROOM_CHAOS_RATE", "250"))
NAMES = ("a", "b")


def databases(
    postgres: EmbeddedPostgres, prefix: str
) -> tuple[dict[str, str], dict[str, sa.Engine]]:
    urls, engines = {}, {}
    for name in NAMES:
        url = postgres.create_database(f"{prefix}_{name}")
        migrations.upgrade(url)
        urls[f"{prefix}_{name}"] = url
        engines[name] = sa.create_engine(url, pool_pre_ping=True)
    return urls, engines


def relay_options() -> list[str]:
    options = ["--heartbeat-interval-ms", "1000"]
    for name in NAMES:
        options += ["--aggregate-type", f"chaos_{name}"]
    return options


def report_and_check(writer: Writer, collector: Collector, label: str) -> None:
    wait_until_all_arrived(collector, writer.written, timeout=90)
    collector.stop()
    report = analyse(writer.written, collector.seen)
    line = f"[{label}] {report} failed_transactions={writer.failed_transactions}"
    print(line)
    if path := os.environ.get("POSTROOM_CHAOS_REPORT"):
        with open(path, "a") as out:
            out.write(line + "\n")
    assert writer.error is None, writer.error
    assert report.lost == 0, f"lost events: {report.examples}"
    assert report.order_violations == 0, f"order broken: {report.examples}"
    assert report.received >= report.written


def test_three_kill_9s_while_writing_to_two_databases_lose_nothing(
    stack: EmbeddedStack, tmp_path: Path
) -> None:
    urls, engines = databases(stack.postgres, "kill")
    relay = RelayProcess(urls, stack.bootstrap_servers, tmp_path, *relay_options()).start()
    collector = Collector(stack.bootstrap_servers, [f"outbox.event.chaos_{n}" for n in NAMES])
    collector.start()
    writer = Writer(engines, EVENTS, rate=RATE)
    writer.start()
    kills: list[tuple[int, int]] = []
    try:
        for kill in (1, 2, 3):
            # Kill mid-stream: past the writer's next quarter, and only once the relay
            # (re)started has produced records again, so every kill interrupts streaming.
            produced_before = len(collector.ids())
            while writer.is_alive() and (
                writer.count < kill * EVENTS // 4 or len(collector.ids()) < produced_before + 100
            ):
                writer.join(0.02)
            relay.kill()
            kills.append((writer.count, len(collector.ids())))
            relay = RelayProcess(urls, stack.bootstrap_servers, tmp_path, *relay_options())
            relay.start()
        writer.join(300)
        print(f"killed at (written, received): {kills}")
        report_and_check(writer, collector, f"kill -9 x3, {EVENTS} events, 2 databases")
        assert len(kills) == 3
    finally:
        relay.stop()
        collector.stop()
        for engine in engines.values():
            engine.dispose()


@pytest.fixture
def own_stack() -> Iterator[tuple[EmbeddedPostgres, EmbeddedBroker]]:
    """A PostgreSQL and a broker of this test's own: it restarts one and freezes the other."""
    postgres, broker = EmbeddedPostgres(), EmbeddedBroker()
    try:
        broker.start()
        postgres.start()
        yield postgres, broker
    finally:
        postgres.stop()
        broker.stop()


def test_postgres_restart_and_a_frozen_broker_are_survived_without_loss(
    own_stack: tuple[EmbeddedPostgres, EmbeddedBroker], tmp_path: Path
) -> None:
    postgres, broker = own_stack
    urls, engines = databases(postgres, "outage")
    relay = RelayProcess(urls, broker.bootstrap_servers, tmp_path, *relay_options()).start()
    collector = Collector(broker.bootstrap_servers, [f"outbox.event.chaos_{n}" for n in NAMES])
    collector.start()
    writer = Writer(engines, EVENTS, rate=RATE)
    writer.start()
    assert broker.pid is not None
    try:
        while writer.count < EVENTS // 3 and writer.is_alive():
            writer.join(0.05)
        postgres.restart()
        # Let the relay recover from the restart (Debezium reconnects after ~10 s) before
        # the broker outage, so that the outage hits a relay with records to send.
        writer.gate.clear()
        wait_until_all_arrived(collector, dict(writer.written), timeout=90)
        writer.gate.set()
        while writer.count < 2 * EVENTS // 3 and writer.is_alive():
            writer.join(0.05)
        # The embedded broker keeps its data in memory: a restart would lose it, so it is
        # frozen (SIGSTOP) for 10 s instead, which to the relay is a broker that is gone.
        os.kill(broker.pid, signal.SIGSTOP)
        try:
            writer.join(10)
        finally:
            os.kill(broker.pid, signal.SIGCONT)
        writer.join(300)
        report_and_check(writer, collector, f"PostgreSQL restart + broker frozen 10 s, {EVENTS}")
        assert relay.process is not None
        assert relay.process.poll() is None, "the relay recovered by itself, still running"
        output = relay.drain()
        restarts = [line for line in output if "restarting in" in line]
        noted = [line[:200] for line in output if " WARN " in line or " ERROR " in line]
        print("\n".join(noted[:15]))
        retries = [line for line in output if "retrying the whole batch" in line]
        print(f"engine restarts: {len(restarts)}, batch retries: {len(retries)}")
        print("\n".join(line[:300] for line in [*restarts[:3], *retries[:3]]))
    finally:
        relay.stop()
        collector.stop()
        for engine in engines.values():
            engine.dispose()
