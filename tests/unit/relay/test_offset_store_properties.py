"""Each offset store renders the engine properties Debezium and Kafka Connect define."""

from __future__ import annotations

from pathlib import Path

import pytest

from postroom.connectors import ConnectorConfig
from postroom.connectors.relay import offset_store_properties, offsets_table
from postroom.errors import ConnectorConfigError

CONFIG = ConnectorConfig.from_url("billing", "postgresql://app:secret@db:5433/billing")


def render(store: str) -> dict[str, str]:
    return offset_store_properties(
        store,  # type: ignore[arg-type]
        CONFIG,
        offsets_file=Path("/state/billing.offsets"),
        bootstrap_servers="k1:9092,k2:9092",
    )


def test_the_file_store_is_the_state_directory_file() -> None:
    assert render("file") == {
        "offset.storage": "org.apache.kafka.connect.storage.FileOffsetBackingStore",
        "offset.storage.file.filename": "/state/billing.offsets",
    }


def test_the_database_store_is_a_table_of_the_connector_s_own_database() -> None:
    assert render("database") == {
        "offset.storage": "io.debezium.storage.jdbc.offset.JdbcOffsetBackingStore",
        "offset.storage.jdbc.connection.url": "jdbc:postgresql://db:5433/billing",
        "offset.storage.jdbc.connection.user": "app",
        "offset.storage.jdbc.connection.password": "secret",
        "offset.storage.jdbc.table.name": "postroom_offsets_billing",
    }


def test_the_kafka_store_is_a_topic_per_connector_on_the_relay_s_cluster() -> None:
    properties = render("kafka")

    assert properties["offset.storage"] == (
        "org.apache.kafka.connect.storage.KafkaOffsetBackingStore"
    )
    assert properties["offset.storage.topic"] == "postroom-offsets-billing"
    assert properties["bootstrap.servers"] == "k1:9092,k2:9092"


def test_an_unknown_store_is_refused_by_name() -> None:
    with pytest.raises(ConnectorConfigError, match="one of file, database, kafka, got 's3'"):
        render("s3")


def test_a_name_too_long_for_a_table_is_refused() -> None:
    config = ConnectorConfig.from_url("a" * 47, "postgresql://db/x")

    with pytest.raises(ConnectorConfigError, match="at most 46 characters"):
        offsets_table(config)
