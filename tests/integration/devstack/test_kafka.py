"""Apache Kafka and Kafka Connect as the project starts them: real, local, stopped by PID."""

from __future__ import annotations

import httpx
import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient

from postroom.devstack import ConnectCluster, EmbeddedStack, KafkaCluster, pid_alive

pytestmark = pytest.mark.kafka


def test_one_kraft_node_is_broker_and_controller_and_is_stopped_by_pid() -> None:
    kafka = KafkaCluster(1).start()
    try:
        pid = kafka.pid
        admin = KafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
        cluster = admin.describe_cluster()
        admin.close()
        assert [broker["broker_id"] for broker in cluster["brokers"]] == [1]
    finally:
        kafka.stop()
    assert pid is not None and not pid_alive(pid)


def test_end_offsets_count_every_record_of_multi_record_batches(stack: EmbeddedStack) -> None:
    """Tansu answers end_offsets with the last batch's first offset + 1; Kafka must not."""
    producer = KafkaProducer(bootstrap_servers=stack.bootstrap_servers, linger_ms=50)
    for n in range(10):
        producer.send("devstack.batches", f"record-{n}".encode(), partition=0)
    producer.flush()
    producer.close()
    consumer = KafkaConsumer(bootstrap_servers=stack.bootstrap_servers)
    partition = TopicPartition("devstack.batches", 0)

    assert consumer.end_offsets([partition])[partition] == 10
    consumer.close()


def test_two_connect_workers_share_one_group_and_offer_the_debezium_plugins(
    connect: ConnectCluster,
) -> None:
    plugins = httpx.get(f"{connect.url}/connector-plugins?connectorsOnly=false").json()
    classes = {plugin["class"] for plugin in plugins}

    assert len(connect.pids) == 2
    assert "io.debezium.connector.postgresql.PostgresConnector" in classes
    assert "io.debezium.transforms.outbox.EventRouter" in classes
    assert (
        "io.debezium.connector.postgresql.transforms.DecodeLogicalDecodingMessageContent" in classes
    )
    for worker in connect.workers:  # each answers for the group (forwarding to its leader)
        assert (
            httpx.get(f"{worker.url}/connectors").json()
            == httpx.get(f"{connect.url}/connectors").json()
        )
