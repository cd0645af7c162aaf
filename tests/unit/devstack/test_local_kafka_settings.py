"""How the local Kafka, Connect and broker choice are configured, without starting them."""

from __future__ import annotations

import pytest

from postroom.devstack import BROKER_ENV, ConnectCluster, KafkaCluster, StackError, broker_kind


def test_a_cluster_id_is_22_base64url_characters_never_starting_with_a_dash() -> None:
    clusters = [KafkaCluster(1) for _ in range(300)]
    ids = [cluster.cluster_id for cluster in clusters]
    for cluster in clusters:
        cluster.stop()

    assert all(len(i) == 22 and not i.startswith("-") for i in ids)
    assert len(set(ids)) == len(ids)


def test_one_node_is_broker_and_controller_with_single_replicas() -> None:
    kafka = KafkaCluster(1)
    (node,) = kafka.nodes
    properties = kafka._properties(node)

    assert properties["process.roles"] == "broker,controller"
    assert properties["controller.quorum.voters"] == f"1@127.0.0.1:{node.controller_port}"
    assert properties["advertised.listeners"] == f"PLAINTEXT://127.0.0.1:{node.port}"
    assert properties["offsets.topic.replication.factor"] == "1"
    assert properties["min.insync.replicas"] == "1"
    assert kafka.bootstrap_servers == f"127.0.0.1:{node.port}"
    kafka.stop()


def test_three_nodes_vote_together_and_keep_three_replicas_two_in_sync() -> None:
    kafka = KafkaCluster(3)
    voters = {kafka._properties(node)["controller.quorum.voters"] for node in kafka.nodes}

    assert len(voters) == 1
    assert voters.pop().count("@127.0.0.1:") == 3
    for node in kafka.nodes:
        properties = kafka._properties(node)
        assert properties["default.replication.factor"] == "3"
        assert properties["min.insync.replicas"] == "2"
        assert properties["transaction.state.log.min.isr"] == "2"
    kafka.stop()


def test_only_one_or_three_nodes_are_offered() -> None:
    with pytest.raises(StackError, match="1 or 3 nodes, not 2"):
        KafkaCluster(2)


def test_connect_workers_share_a_group_and_its_topics_but_not_their_ports() -> None:
    connect = ConnectCluster("127.0.0.1:9092", workers=2, replication_factor=3)
    first, second = (connect._properties(worker) for worker in connect.workers)

    for key in ("group.id", "config.storage.topic", "offset.storage.topic", "plugin.path"):
        assert first[key] == second[key]
    assert first["listeners"] != second["listeners"]
    assert first["offset.storage.replication.factor"] == "3"
    assert first["plugin.discovery"] == "service_load"
    connect.stop()


@pytest.mark.parametrize(
    ("value", "kind"), [(None, "kafka"), ("tansu", "tansu"), (" KAFKA ", "kafka")]
)
def test_postroom_broker_chooses_the_broker(
    value: str | None, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if value is None:
        monkeypatch.delenv(BROKER_ENV, raising=False)
    else:
        monkeypatch.setenv(BROKER_ENV, value)

    assert broker_kind() == kind


def test_an_unknown_broker_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(BROKER_ENV, "redpanda")

    with pytest.raises(
        StackError, match="POSTROOM_BROKER must be one of kafka, tansu, got 'redpanda'"
    ):
        broker_kind()
