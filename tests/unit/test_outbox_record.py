"""The outbox settings a migration records, and what the relay makes of them."""

from __future__ import annotations

import pytest

from postroom.connectors import DEFAULT_HEADER_FIELDS, ConnectorConfig, ModeMismatchError
from postroom.migrations import MigrationSettings, publication_ddl
from postroom.outbox import OutboxRecord, default_capture_name

URL = "postgresql://app@db:5432/auth"


def recorded(**settings: object) -> OutboxRecord:
    return MigrationSettings(**settings).record(  # type: ignore[arg-type]
        database="auth", current_schema="public"
    )


def test_a_default_migration_records_table_mode_and_a_slot_named_after_the_database() -> None:
    record = recorded()

    assert record == OutboxRecord(
        mode="table",
        schema="public",
        table="outbox",
        header_columns={},
        slot_name="postroom_auth",
        publication_name="postroom_auth",
    )


def test_a_service_schema_is_in_the_slot_name_because_slots_are_named_per_server() -> None:
    record = recorded(schema="billing", outbox_table="billing_outbox", mode="retain")

    assert (record.schema, record.table) == ("billing", "outbox_retained")
    assert record.slot_name == "postroom_auth_billing"
    assert default_capture_name("Shop-DB") == "postroom_shop_db"
    assert len(default_capture_name("x" * 80)) == 63


def test_wal_message_mode_records_no_table() -> None:
    assert recorded(mode="wal-message").table is None


@pytest.mark.parametrize(
    ("mode", "ddl"),
    [
        (
            "table",
            'CREATE PUBLICATION "postroom_auth" FOR TABLE "public"."outbox", '
            '"public"."postroom_heartbeat" '
            "WITH (publish = 'insert')",
        ),
        (
            "retain",
            'CREATE PUBLICATION "postroom_auth" FOR TABLE "public"."outbox_retained", '
            '"public"."postroom_heartbeat" '
            "WITH (publish = 'insert', publish_via_partition_root = true)",
        ),
        (
            "wal-message",
            'CREATE PUBLICATION "postroom_auth" FOR TABLE "public"."postroom_heartbeat" '
            "WITH (publish = 'insert')",
        ),
    ],
)
def test_the_publication_holds_the_modes_table_and_the_heartbeat_table(mode: str, ddl: str) -> None:
    assert publication_ddl(recorded(mode=mode)) == ddl


def test_a_relay_given_nothing_adopts_everything_the_database_recorded() -> None:
    record = recorded(
        schema="billing", outbox_table="events", extra_header_columns={"region": "rgn"}
    )

    adopted = ConnectorConfig.from_url("billing", URL).adopt(record)

    assert adopted.mode == "table"
    assert adopted.qualified_table == "billing.events"
    assert (adopted.slot_name, adopted.publication_name) == ("postroom_auth_billing",) * 2
    assert adopted.header_fields == {**DEFAULT_HEADER_FIELDS, "region": "rgn"}


@pytest.mark.parametrize(
    ("relay_mode", "recorded_mode"), [("table", "wal-message"), ("wal-message", "table")]
)
def test_a_relay_mode_that_disagrees_with_the_record_names_both(
    relay_mode: str, recorded_mode: str
) -> None:
    config = ConnectorConfig.from_url("auth", URL, mode=relay_mode)

    with pytest.raises(ModeMismatchError) as caught:
        config.adopt(recorded(mode=recorded_mode))

    message = str(caught.value)
    assert f"mode={relay_mode!r} (recorded: {recorded_mode!r})" in message
    assert f"database 'auth' was migrated for mode {recorded_mode!r}" in message


def test_a_relay_missing_a_recorded_header_column_is_refused() -> None:
    config = ConnectorConfig.from_url("auth", URL, header_fields=dict(DEFAULT_HEADER_FIELDS))

    with pytest.raises(ModeMismatchError, match=r"header_fields\['region'\]=None"):
        config.adopt(recorded(extra_header_columns={"region": "region"}))
