"""Topic administration with kafka-python: create topics up front, explicitly.

A cluster with one broker down still answers: each admin call that failed to reach the
broker kafka-python picked is tried again (that broker is then in reconnect backoff, so
another one is picked) for up to ``_TRANSIENT_RETRY_S`` seconds.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import (
    KafkaConnectionError,
    KafkaTimeoutError,
    NodeNotReadyError,
    TopicAlreadyExistsError,
)

from postroom.kafka_security import KafkaSecurity, kafka_security

__all__ = ["ensure_topics"]

T = TypeVar("T")

#: Errors of one unreachable broker rather than of the request.
_TRANSIENT = (KafkaConnectionError, KafkaTimeoutError, NodeNotReadyError)
_TRANSIENT_RETRY_S = 30.0


def _tolerating_a_dead_broker(call: Callable[[], T]) -> T:
    deadline = time.monotonic() + _TRANSIENT_RETRY_S
    while True:
        try:
            return call()
        except _TRANSIENT:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


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
        existing = set(_tolerating_a_dead_broker(admin.list_topics))
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
                _tolerating_a_dead_broker(functools.partial(admin.create_topics, [topic]))
        if missing:
            _wait_for_leaders(admin, [topic.name for topic in missing])
    finally:
        admin.close()


def _wait_for_leaders(admin: Any, names: list[str], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        described = _tolerating_a_dead_broker(lambda: admin.describe_topics(names))
        if len(described) == len(names) and all(
            not topic["error_code"]
            and topic["partitions"]
            and all(p["leader_id"] >= 0 for p in topic["partitions"])
            for topic in described
        ):
            return
        time.sleep(0.05)
