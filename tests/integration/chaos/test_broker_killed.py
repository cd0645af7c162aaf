"""Must show: with three Kafka brokers (replication factor 3, min.insync.replicas=2),
the broker leading the topic's first partition is killed with SIGKILL while 10,000
events are relayed, then started again. No event is lost and every aggregate's events
stay in order."""

from __future__ import annotations

from pathlib import Path

import pytest

from postroom.connectors import ConnectorConfig, Relay, RelaySource
from postroom.devstack import EmbeddedStack, KafkaCluster
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

pytestmark = [pytest.mark.chaos, pytest.mark.kafka, pytest.mark.slow]


def test_the_partition_leader_killed_and_restarted_loses_nothing_and_keeps_order(
    stack: EmbeddedStack, kafka3: KafkaCluster, new_database: MakeDatabase, tmp_path: Path
) -> None:
    url, engine = new_database("brokerkill")
    kind = "chaos_brokerkill"
    topic = f"outbox.event.{kind}"
    config = ConnectorConfig.from_url(
        url.rsplit("/", 1)[1],
        url,
        aggregate_types=(kind,),
        topic_partitions=3,
        topic_replication_factor=3,
        heartbeat_interval_ms=1000,
    )
    relay = Relay(
        [RelaySource(config, url)], bootstrap_servers=kafka3.bootstrap_servers, state_dir=tmp_path
    )
    relay.start()
    collector = Collector(kafka3.bootstrap_servers, [topic])
    writer = Writer({"brokerkill": engine}, EVENTS, rate=RATE)
    try:
        relay.wait_streaming()
        collector.start()
        writer.start()
        while writer.is_alive() and (writer.count < EVENTS // 3 or not collector.ids()):
            writer.join(0.05)
        leader = kafka3.leader_of(topic, 0)
        written_at_kill = writer.count
        kafka3.kill(leader)
        while writer.is_alive() and writer.count < 2 * EVENTS // 3:
            writer.join(0.05)
        kafka3.start_node(leader)
        kafka3.wait_registered(3)
        restarted_at = writer.count
        writer.join(600)
        wait_until_all_arrived(collector, writer.written, timeout=180)
    finally:
        collector.stop()
        relay.stop()
    result = analyse(writer.written, collector.seen)
    absorbed = absorb_with_inbox(kafka3.bootstrap_servers, topic, new_database, "brokerkill")
    report(
        f"3 brokers, leader SIGKILL + restart, {EVENTS} events",
        result,
        absorbed,
        f"killed_node={leader} at_written={written_at_kill} restarted_at={restarted_at}",
    )

    assert writer.error is None, writer.error
    assert not relay.errors, relay.errors
    assert result.lost == 0, f"lost events: {result.examples}"
    assert result.order_violations == 0, f"order broken: {result.examples}"
    assert absorbed.side_effects == len(writer.written)
