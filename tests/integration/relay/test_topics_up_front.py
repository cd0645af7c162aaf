"""The relay creates its topics before the first event, as the connector model says."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from kafka.admin import KafkaAdminClient

from postroom.connectors import ConnectorConfig, Relay, RelaySource
from postroom.devstack import EmbeddedStack

MakeDatabase = Callable[..., tuple[str, sa.Engine]]


def test_declared_aggregate_topics_exist_with_their_partitions_before_any_event(
    stack: EmbeddedStack, new_database: MakeDatabase, tmp_path: Path
) -> None:
    url, _ = new_database("upfront")
    config = ConnectorConfig.from_url(
        "upfront",
        url,
        aggregate_types=("invoice", "refund"),
        topic_partitions=5,
        topic_retention_ms=3_600_000,
        topic_cleanup_policy="delete",
    )

    with Relay(
        [RelaySource(config, url)], bootstrap_servers=stack.bootstrap_servers, state_dir=tmp_path
    ):
        admin = KafkaAdminClient(bootstrap_servers=stack.bootstrap_servers)
        try:
            described = {t["name"]: t for t in admin.describe_topics(config.topics)}
        finally:
            admin.close()

    assert set(described) == {"outbox.event.invoice", "outbox.event.refund"}
    assert all(len(topic["partitions"]) == 5 for topic in described.values())
