"""MigrationSettings validate everything up front and feed the relay the same names."""

from __future__ import annotations

import pytest

from postroom import migrations
from postroom.connectors import DEFAULT_HEADER_FIELDS, ConnectorConfig


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"schema": "Billing"}, "schema must be a lower-case PostgreSQL identifier"),
        ({"outbox_table": "out-box"}, "outbox_table must be"),
        ({"outbox_table": "x" * 64}, "outbox_table must be"),
        ({"extra_header_columns": {"tenant": "tenant"}}, "'tenant' is already an outbox column"),
        ({"extra_header_columns": {"Region": "region"}}, "extra_header_columns column must be"),
        ({"extra_header_columns": {"region": ""}}, "header name for 'region'"),
        ({"extra_header_columns": ["region"]}, "must map column -> header name"),
        ({"lock_timeout_ms": 0}, "lock_timeout_ms must be a positive integer"),
        ({"lock_timeout_ms": True}, "lock_timeout_ms must be a positive integer"),
        ({"mode": "queue"}, "mode must be one of table, retain, wal-message"),
        ({"slot_name": "Slot-1"}, "slot_name must be a lower-case PostgreSQL identifier"),
        ({"publication_name": "p" * 64}, "publication_name must be"),
    ],
)
def test_bad_settings_are_refused_naming_the_setting(
    options: dict[str, object], message: str
) -> None:
    with pytest.raises(migrations.MigrationSettingsError, match=message):
        migrations.MigrationSettings(**options)  # type: ignore[arg-type]


def test_settings_errors_are_postroom_errors_and_not_retriable() -> None:
    from postroom.errors import PostroomError

    with pytest.raises(PostroomError) as failure:
        migrations.MigrationSettings(schema="")
    assert failure.value.retriable is False


def test_extra_header_columns_are_frozen() -> None:
    settings = migrations.MigrationSettings(extra_header_columns={"region": "region"})

    with pytest.raises(TypeError):
        settings.extra_header_columns["plan"] = "plan"  # type: ignore[index]


def test_the_relay_reads_the_same_schema_table_and_header_columns() -> None:
    settings = migrations.MigrationSettings(
        schema="billing", outbox_table="billing_events", extra_header_columns={"region": "rgn"}
    )

    connector = ConnectorConfig.from_url(
        "billing", "postgresql://u@db:5432/billing", **settings.connector_options()
    )

    assert connector.qualified_table == "billing.billing_events"
    assert connector.header_fields == {**DEFAULT_HEADER_FIELDS, "region": "rgn"}
    placement = connector.engine_properties(offsets_file=__import__("pathlib").Path("x"))[
        "transforms.outbox.table.fields.additional.placement"
    ]
    assert "region:header:rgn" in placement.split(",")


def test_the_default_schema_is_public_for_the_relay() -> None:
    assert migrations.MigrationSettings().connector_options()["schema"] == "public"


def test_the_models_follow_the_settings() -> None:
    settings = migrations.MigrationSettings(
        schema="billing", outbox_table="billing_events", extra_header_columns={"region": "rgn"}
    )

    models = migrations.framework_metadata(settings=settings)

    assert set(models.tables) == {
        "billing.billing_events",
        "billing.inbox_message",
        "billing.postroom_heartbeat",
        "billing.outbox_retained",
        "billing.postroom_outbox_settings",
    }
    assert models.tables["billing.billing_events"].c.region.nullable


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: migrations.upgrade(""), "a database URL must be a non-empty string"),
        (
            lambda: migrations.upgrade("sqlite:///x.db"),
            "sqlite:// is not a PostgreSQL URL Postroom can use",
        ),
        (lambda: migrations.upgrade("not a url"), "not a database URL"),
        (
            lambda: migrations.upgrade("postgresql://h/db", revision=""),
            "revision must be a non-empty string",
        ),
        (
            lambda: migrations.alembic_config(
                "postgresql://h/db", schema="a", settings=migrations.MigrationSettings(schema="b")
            ),
            "disagrees with settings.schema",
        ),
        (
            lambda: migrations.framework_metadata("a", settings=migrations.MigrationSettings()),
            "disagrees",
        ),
    ],
)
def test_entry_points_validate_before_connecting(call: object, message: str) -> None:
    with pytest.raises(migrations.MigrationSettingsError, match=message):
        call()  # type: ignore[operator]


def test_every_url_form_gets_psycopg_for_plain_engines() -> None:
    assert migrations.sync_url("postgresql+asyncpg://u:p@h:1/d") == "postgresql+psycopg://u:p@h:1/d"
    assert migrations.sync_url("postgresql://h/d") == "postgresql+psycopg://h/d"


def test_revisions_are_listed_oldest_first() -> None:
    assert migrations.revisions()[0] == "0001"


def test_every_exported_name_has_a_home_and_the_package_imports_lazily() -> None:
    import subprocess
    import sys

    assert sorted(migrations._HOME) == sorted(migrations.__all__)
    probe = "import sys, postroom.migrations.pytest_plugin; print('alembic' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
