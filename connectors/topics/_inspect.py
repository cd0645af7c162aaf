"""Read topics back from the broker: partitions, replicas and the settings that matter.

What ``ensure_topics`` asked for is not proof of what the cluster holds (a topic may have
been auto-created before, or altered since); ``describe_topics`` asks the brokers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient

from postroom.errors import TopicNotFoundError
from postroom.kafka_security import kafka_security

__all__ = ["TopicDescription", "describe_topics"]

_SETTINGS = ("retention.ms", "cleanup.policy", "min.insync.replicas")


@dataclass(frozen=True)
class TopicDescription:
    """One topic as the cluster reports it."""

    name: str
    partitions: int
    replication_factor: int
    retention_ms: int
    cleanup_policy: str
    min_insync_replicas: int
    #: partition -> node id of its leader (-1 while it has none)
    leaders: dict[int, int]


def describe_topics(bootstrap_servers: str, topics: Iterable[str]) -> dict[str, TopicDescription]:
    """Describe ``topics``; raises ``TopicNotFoundError`` naming any that does not exist."""
    names = list(topics)
    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap_servers,
        **kafka_security(None).kafka_python(),
        client_id="postroom-admin",
    )
    try:
        described = {entry["name"]: entry for entry in admin.describe_topics(names)}
        missing = [name for name in names if name not in described or described[name]["error_code"]]
        if missing:
            raise TopicNotFoundError(f"no such topic on {bootstrap_servers}: {', '.join(missing)}")
        resources = [
            ConfigResource(ConfigResourceType.TOPIC, name, configs=dict.fromkeys(_SETTINGS))
            for name in names
        ]
        settings = admin.describe_configs(resources, config_filter="all")["topic"]
    finally:
        admin.close()
    result = {}
    for name in names:
        partitions = described[name]["partitions"]
        values = {key: entry["value"] for key, entry in settings[name].items()}
        result[name] = TopicDescription(
            name=name,
            partitions=len(partitions),
            replication_factor=len(partitions[0]["replica_nodes"]) if partitions else 0,
            retention_ms=int(values["retention.ms"]),
            cleanup_policy=str(values["cleanup.policy"]),
            min_insync_replicas=int(values["min.insync.replicas"]),
            leaders={p["partition_index"]: p["leader_id"] for p in partitions},
        )
    return result
