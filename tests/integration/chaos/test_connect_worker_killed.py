"""Must show: one of two Kafka Connect workers is killed with SIGKILL while 10,000 events
are written. The connector's task moves to the other worker, no event is lost, the
duplicates the replay delivers are counted, and the inbox absorbs every one of them."""

from __future__ import annotations

import time

import pytest

from postroom.connectors import ConnectorConfig, KafkaConnectClient, ensure_replication
from postroom.connectors.topics import ensure_topics
from postroom.devstack import ConnectCluster, EmbeddedStack
from tests.integration.chaos.conftest import (
    EVENTS,
    RATE,
    MakeDatabase,
    absorb_with_inbox,
    report,
)
from tests.integration.relay.chaos_tools import (
    Collector,
    Writer,
    analyse,
    wait_until_all_arrived,
)

pytestmark = [pytest.mark.chaos, pytest.mark.connect, pytest.mark.slow]


def task_worker(client: KafkaConnectClient, name: str) -> str | None:
    """The worker id running task 0 while it is RUNNING, else None."""
    try:
        tasks = client.status(name)["tasks"]
    except Exception:
        return None
    running = [t for t in tasks if t["id"] == 0 and t["state"] == "RUNNING"]
    return str(running[0]["worker_id"]) if running else None


def test_a_killed_worker_s_task_moves_and_nothing_is_lost(
    stack: EmbeddedStack, new_database: MakeDatabase
) -> None:
    url, engine = new_database("connectkill")
    name = url.rsplit("/", 1)[1]
    topic = "outbox.event.chaos_connectkill"
    config = ConnectorConfig.from_url(name, url, heartbeat_interval_ms=1000)
    ensure_topics(stack.bootstrap_servers, [topic], partitions=3)
    ensure_replication(config, url)
    with ConnectCluster(stack.bootstrap_servers, workers=2, heap="256m") as connect:
        client = KafkaConnectClient(connect.url)
        client.register(config)
        client.wait_running(name, timeout=120)
        rss = {
            w.index: round(r / 2**20)
            for w, r in zip(connect.workers, connect.rss_bytes().values(), strict=True)
        }
        collector = Collector(stack.bootstrap_servers, [topic])
        collector.start()
        writer = Writer({"connectkill": engine}, EVENTS, rate=RATE)
        writer.start()
        try:
            while writer.is_alive() and (writer.count < EVENTS // 3 or not collector.ids()):
                writer.join(0.05)
            victim = task_worker(client, name)
            assert victim is not None, "the task runs before the kill"
            killed = connect.worker_running(victim)
            written_at_kill = writer.count
            connect.kill(killed.index)
            killed_at = time.monotonic()
            survivor = next(w for w in connect.workers if w.index != killed.index)
            client.close()
            client = KafkaConnectClient(survivor.url)
            deadline = time.monotonic() + 120
            while task_worker(client, name) != survivor.worker_id:
                assert time.monotonic() < deadline, "the task did not move within 120 s"
                time.sleep(0.2)
            moved_after = time.monotonic() - killed_at
            rss_survivor = round(connect.rss_bytes()[survivor.index] / 2**20)
            writer.join(600)
            wait_until_all_arrived(collector, writer.written, timeout=180)
        finally:
            collector.stop()
            writer.join(5)
            client.close()
    result = analyse(writer.written, collector.seen)
    absorbed = absorb_with_inbox(stack.bootstrap_servers, topic, new_database, "connectkill")
    report(
        f"Connect worker SIGKILL, {EVENTS} events",
        result,
        absorbed,
        f"killed_at_written={written_at_kill} task_moved_after_s={moved_after:.1f} "
        f"worker_rss_mib_before={rss} survivor_rss_mib_with_task={rss_survivor}",
    )

    assert writer.error is None, writer.error
    assert result.lost == 0, f"lost events: {result.examples}"
    assert absorbed.side_effects == absorbed.handled == len(writer.written)
    assert absorbed.duplicates == absorbed.delivered - len(writer.written)
