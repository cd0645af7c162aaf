"""The connector model renders Debezium's own option names, and refuses bad settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from postroom.connectors import ConnectorConfig, ConnectorConfigError


def test_renders_the_postgres_connector_with_the_outbox_event_router(tmp_path: Path) -> None:
    config = ConnectorConfig.from_url(
        "auth", "postgresql+psycopg://app:s3cret@db.internal:5433/auth"
    )
    props = config.engine_properties(tmp_path / "offsets")

    assert props["connector.class"] == "io.debezium.connector.postgresql.PostgresConnector"
    assert (props["database.hostname"], props["database.port"]) == ("db.internal", "5433")
    assert (props["database.user"], props["database.password"]) == ("app", "s3cret")
    assert props["table.include.list"] == "public.outbox"
    assert props["slot.name"] == props["publication.name"] == "postroom_auth"
    assert props["transforms.outbox.type"] == "io.debezium.transforms.outbox.EventRouter"
    assert props["transforms.outbox.route.topic.replacement"] == "outbox.event.${routedByValue}"
    placement = props["transforms.outbox.table.fields.additional.placement"].split(",")
    assert "type:header:eventType" in placement
    assert "tracingspancontext:header:traceparent" in placement
    assert props["offset.storage.file.filename"] == str(tmp_path / "offsets")


@pytest.mark.parametrize(
    ("options", "names"),
    [
        ({"schema": "Bad-Schema"}, "schema"),
        ({"slot_name": "slot-with-dash"}, "slot_name"),
        ({"port": 0}, "port"),
        ({"max_batch_size": 0}, "max_batch_size"),
    ],
)
def test_invalid_settings_name_the_setting(options: dict[str, object], names: str) -> None:
    fields: dict[str, object] = {"name": "auth", "host": "h", "port": 5432, "database": "d"}
    fields.update(options)
    with pytest.raises(ConnectorConfigError, match=names):
        ConnectorConfig(**fields)  # type: ignore[arg-type]


def test_a_url_without_a_database_is_refused() -> None:
    with pytest.raises(ConnectorConfigError, match="needs a host and a database"):
        ConnectorConfig.from_url("auth", "postgresql://localhost")


def test_the_urls_tls_settings_reach_debezium_and_the_jdbc_offset_store() -> None:
    url = "postgresql://relay@db.internal:5433/billing?sslmode=verify-full&sslrootcert=/etc/ca.pem"
    config = ConnectorConfig.from_url("billing", url)

    properties = config.connector_properties()
    assert properties["database.sslmode"] == "verify-full"
    assert properties["database.sslrootcert"] == "/etc/ca.pem"
    assert config.jdbc_url() == (
        "jdbc:postgresql://db.internal:5433/billing?sslmode=verify-full&sslrootcert=/etc/ca.pem"
    )
    plain = ConnectorConfig.from_url("billing", "postgresql://relay@db:5432/billing")
    assert "database.sslmode" not in plain.connector_properties()


def test_an_unknown_sslmode_is_refused() -> None:
    with pytest.raises(ConnectorConfigError, match="sslmode must be one of"):
        ConnectorConfig.from_url("billing", "postgresql://u@db/billing?sslmode=sometimes")
