"""The models and the revisions never disagree (Alembic's autogenerate comparison)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from postroom import migrations

CUSTOM = migrations.MigrationSettings(
    schema="shop", outbox_table="shop_outbox", extra_header_columns={"region": "region"}
)


@pytest.mark.parametrize(
    "settings", [migrations.MigrationSettings(), CUSTOM], ids=["default", "custom"]
)
def test_a_database_at_head_matches_the_models(
    postroom_database: migrations.ThrowawayDatabase, settings: migrations.MigrationSettings
) -> None:
    migrations.upgrade(postroom_database.url, settings=settings)

    assert migrations.compare_to_models(postroom_database.url, settings=settings) == []
    migrations.check_drift(postroom_database.url, settings=settings)


def test_a_model_column_without_a_revision_fails_the_drift_check_naming_it(
    postroom_database: migrations.ThrowawayDatabase,
) -> None:
    migrations.upgrade(postroom_database.url)
    models = migrations.framework_metadata()
    models.tables["outbox"].append_column(sa.Column("priority", sa.Integer, nullable=True))

    with pytest.raises(migrations.MigrationDriftError, match=r"outbox\.priority") as failure:
        migrations.check_drift(postroom_database.url, metadata=models)
    assert failure.value.differences == [
        "add_column: column outbox.priority (INTEGER) is in the models but not in the database"
    ]


def test_a_database_behind_head_is_drift(postroom_database: migrations.ThrowawayDatabase) -> None:
    with pytest.raises(migrations.MigrationDriftError, match="add_table: outbox"):
        migrations.check_drift(postroom_database.url)


def test_a_services_own_tables_in_the_same_schema_are_not_drift(
    postroom_database: migrations.ThrowawayDatabase,
) -> None:
    migrations.upgrade(postroom_database.url)
    engine = sa.create_engine(postroom_database.url)
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE orders (id int PRIMARY KEY)"))
    engine.dispose()

    migrations.check_drift(postroom_database.url)
