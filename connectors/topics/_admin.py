"""Topic administration with kafka-python: create topics up front, explicitly."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping

from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError

__all__ = ["ensure_topics"]


def ensure_topics(
    bootstrap_servers: str,
    topics: Iterable[str],
    *,
    partitions: int = 3,
    replication_factor: int = 1,
    configs: Mapping[str, str] | None = None,
) -> None:
    """Create each topic that does not exist yet; existing topics are left as they are.

    ``configs`` are topic-level settings such as ``retention.ms`` and ``cleanup.policy``.
    """
    admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="postroom-admin")
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
    finally:
        admin.close()
