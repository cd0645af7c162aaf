"""Topics are created as asked and read back from the brokers themselves."""

from __future__ import annotations

import pytest

from postroom.connectors.topics import describe_topics, ensure_topics
from postroom.devstack import EmbeddedStack, KafkaCluster
from postroom.errors import TopicNotFoundError

pytestmark = pytest.mark.kafka


def test_partitions_retention_and_cleanup_policy_are_read_back_as_created(
    stack: EmbeddedStack,
) -> None:
    ensure_topics(
        stack.bootstrap_servers,
        ["topics.orders", "topics.users"],
        partitions=4,
        replication_factor=1,
        configs={"retention.ms": "86400000", "cleanup.policy": "compact"},
    )

    described = describe_topics(stack.bootstrap_servers, ["topics.orders", "topics.users"])

    for topic in described.values():
        assert topic.partitions == 4
        assert topic.replication_factor == 1
        assert topic.retention_ms == 86_400_000
        assert topic.cleanup_policy == "compact"
        assert sorted(topic.leaders) == [0, 1, 2, 3]


def test_an_existing_topic_is_left_as_it_is(stack: EmbeddedStack) -> None:
    ensure_topics(stack.bootstrap_servers, ["topics.kept"], partitions=2)

    ensure_topics(stack.bootstrap_servers, ["topics.kept"], partitions=6)

    assert describe_topics(stack.bootstrap_servers, ["topics.kept"])["topics.kept"].partitions == 2


def test_a_missing_topic_is_named(stack: EmbeddedStack) -> None:
    with pytest.raises(TopicNotFoundError, match=r"topics\.absent"):
        describe_topics(stack.bootstrap_servers, ["topics.absent"])


def test_three_brokers_hold_three_replicas_and_require_two_in_sync(kafka3: KafkaCluster) -> None:
    ensure_topics(
        kafka3.bootstrap_servers,
        ["topics.replicated"],
        partitions=3,
        replication_factor=3,
        configs={"retention.ms": "-1", "cleanup.policy": "delete"},
    )

    topic = describe_topics(kafka3.bootstrap_servers, ["topics.replicated"])["topics.replicated"]

    assert (topic.partitions, topic.replication_factor) == (3, 3)
    assert topic.min_insync_replicas == 2
    assert (topic.retention_ms, topic.cleanup_policy) == (-1, "delete")
    assert set(topic.leaders.values()) <= {1, 2, 3}
