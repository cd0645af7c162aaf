"""Every revision goes up, down and up again, on PostgreSQL 18 and 15, in any layout."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from postroom import migrations

CUSTOM = migrations.MigrationSettings(
    schema="billing",
    outbox_table="billing_events",
    extra_header_columns={"region": "region", "plan": "planId"},
)


def tables(migrator: migrations.Migrator, schema: str | None) -> set[str]:
    with migrator.engine.connect() as connection:
        return set(sa.inspect(connection).get_table_names(schema=schema))


def test_stairway_over_every_revision(postroom_migrator: migrations.Migrator) -> None:
    walked = postroom_migrator.stairway()

    assert walked == migrations.revisions()
    assert walked[0] == "0001"
    assert postroom_migrator.is_at_heads()
    assert {"outbox", "inbox_message"} <= tables(postroom_migrator, None)


@pytest.mark.parametrize("migration_settings", [CUSTOM], ids=["custom-schema-table-headers"])
def test_stairway_with_a_service_schema_outbox_name_and_header_columns(
    postroom_migrator: migrations.Migrator, migration_settings: migrations.MigrationSettings
) -> None:
    postroom_migrator.stairway()

    assert {"billing_events", "inbox_message", "postroom_alembic_version"} <= tables(
        postroom_migrator, "billing"
    )
    assert "outbox" not in tables(postroom_migrator, None)
    with postroom_migrator.engine.connect() as connection:
        columns = {
            c["name"] for c in sa.inspect(connection).get_columns("billing_events", "billing")
        }
    assert {"region", "plan"} <= columns


def test_downgrade_to_base_removes_every_table_and_the_version_row(
    postroom_migrator: migrations.Migrator,
) -> None:
    postroom_migrator.migrate("heads")
    postroom_migrator.migrate("base")

    assert postroom_migrator.current() == ()
    assert tables(postroom_migrator, None) == {"postroom_alembic_version"}


def test_async_driver_urls_run_on_an_async_engine(
    postroom_database: migrations.ThrowawayDatabase,
) -> None:
    url = postroom_database.url_for("asyncpg")

    migrations.upgrade(url, settings=CUSTOM)
    assert migrations.current(url, settings=CUSTOM) == migrations.revisions()[-1]
    migrations.downgrade(url, settings=CUSTOM)
    assert migrations.current(url, settings=CUSTOM) is None
