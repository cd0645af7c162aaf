"""Topic administration with kafka-python: create topics up front, explicitly."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Mapping
from typing import Any

from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError

from postroom.kafka_security import KafkaSecurity, kafka_security

__all__ = ["ensure_topics"]


def ensure_topics(
    bootstrap_servers: str,
    topics: Iterable[str],
    *,
    partitions: int = 3,
    replication_factor: int = 1,
    configs: Mapping[str, str] | None = None,
    security: KafkaSecurity | None = None,
) -> None:
    """Create each topic that does not exist yet; existing topics are left as they are.

    ``configs`` are topic-level settings such as ``retention.ms`` and ``cleanup.policy``.
    Returns once every topic has a leader for each partition: a broker answers
    ``create_topics`` before its metadata shows the topic. ``security``: TLS/SASL
    settings (``POSTROOM_KAFKA_*`` when None).
    """
    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap_servers,
        **kafka_security(security).kafka_python(),
        client_id="postroom-admin",
    )
    try:
        existing = set(admin.list_topics())
        missing = [
            NewTopic(
                name,
                num_partitions=partitions,
                replication_factor=replication_factor,
                topic_configs=dict(configs or {}),
            )
            for name in topics
            if name not in existing
        ]
        for topic in missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics([topic])
        if missing:
            _wait_for_leaders(admin, [topic.name for topic in missing])
    finally:
        admin.close()


def _wait_for_leaders(admin: Any, names: list[str], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        described = admin.describe_topics(names)
        if len(described) == len(names) and all(
            not topic["error_code"]
            and topic["partitions"]
            and all(p["leader_id"] >= 0 for p in topic["partitions"])
            for topic in described
        ):
            return
        time.sleep(0.05)
