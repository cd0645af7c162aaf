"""One connector model renders every outbox mode, for both relay runtimes."""

from __future__ import annotations

from pathlib import Path

import pytest

from postroom.connectors import ConnectorConfig, ConnectorConfigError

URL = "postgresql://app@db:5432/auth"


def test_table_mode_captures_the_outbox_table() -> None:
    config = ConnectorConfig.from_url("auth", URL)
    props = config.connector_properties()

    assert props["table.include.list"] == "public.outbox"
    assert props["transforms"] == "outbox"


def test_retain_mode_captures_the_partitioned_table() -> None:
    config = ConnectorConfig.from_url("auth", URL, mode="retain")

    assert config.connector_properties()["table.include.list"] == "public.outbox_retained"


def test_wal_message_mode_decodes_logical_messages_before_routing() -> None:
    config = ConnectorConfig.from_url("auth", URL, mode="wal-message")
    props = config.connector_properties()

    assert props["transforms"] == "decode,outbox"
    assert props["message.prefix.include.list"] == "outbox"
    assert props["transforms.decode.type"].endswith("DecodeLogicalDecodingMessageContent")
    assert "table.include.list" not in props
    assert props["table.exclude.list"] == "public.postroom_heartbeat"


@pytest.mark.parametrize("mode", ["table", "retain", "wal-message"])
def test_every_mode_routes_to_the_same_topics_with_the_same_headers(mode: str) -> None:
    table = ConnectorConfig.from_url("auth", URL).connector_properties()
    other = ConnectorConfig.from_url("auth", URL, mode=mode).connector_properties()  # type: ignore[arg-type]

    for key in table:
        if key.startswith("transforms.outbox."):
            assert other[key] == table[key]


def test_heartbeats_are_rendered_as_an_insert_into_the_heartbeat_table() -> None:
    config = ConnectorConfig.from_url("auth", URL, heartbeat_interval_ms=500)
    props = config.connector_properties()

    # published (so its change reaches Debezium and its LSN is confirmed), not captured
    assert "public.postroom_heartbeat" in config.published_tables
    assert props["table.include.list"] == "public.outbox"

    assert props["heartbeat.interval.ms"] == "500"
    # an insert (the publication publishes inserts only), after the old row is deleted
    assert props["heartbeat.action.query"] == (
        'DELETE FROM "public"."postroom_heartbeat"; '
        'INSERT INTO "public"."postroom_heartbeat" (id, beat_at) VALUES (1, now())'
    )


def test_heartbeats_can_be_switched_off() -> None:
    props = ConnectorConfig.from_url("auth", URL, heartbeat_interval_ms=0).connector_properties()

    assert "heartbeat.interval.ms" not in props


def test_connect_json_carries_the_engine_options_except_offset_storage(tmp_path: Path) -> None:
    config = ConnectorConfig.from_url("auth", URL, mode="wal-message")
    rendered = config.connect_json()
    engine = config.engine_properties(tmp_path / "offsets")

    assert rendered["name"] == "auth"
    assert rendered["config"]["tasks.max"] == "1"
    only_engine = set(engine) - set(rendered["config"])
    assert only_engine == {
        "name",
        "offset.storage",
        "offset.storage.file.filename",
        "offset.flush.interval.ms",
    }
    for key, value in rendered["config"].items():
        assert key == "tasks.max" or engine[key] == value


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"mode": "queue"}, "mode must be one of table, retain, wal-message"),
        ({"heartbeat_interval_ms": -1}, "heartbeat_interval_ms"),
        ({"heartbeat_table": "Heart Beat"}, "heartbeat_table"),
        ({"topic_partitions": 0}, "topic_partitions"),
        ({"topic_retention_ms": 0}, "topic_retention_ms"),
        ({"topic_cleanup_policy": "forever"}, "topic_cleanup_policy"),
    ],
)
def test_invalid_relay_settings_name_the_setting(options: dict[str, object], message: str) -> None:
    with pytest.raises(ConnectorConfigError, match=message):
        ConnectorConfig.from_url("auth", URL, **options)
