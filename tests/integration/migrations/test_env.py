"""The Alembic env runs on a sync engine, an async engine, or a connection it is handed."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

import migrations


async def test_an_async_url_migrates_from_inside_a_running_event_loop(
    postroom_database: migrations.ThrowawayDatabase,
) -> None:
    url = postroom_database.url_for("asyncpg")

    migrations.upgrade(url, schema="inside_loop")

    assert migrations.current(url, schema="inside_loop") == migrations.revisions()[-1]


def test_a_connection_handed_in_is_used_and_left_to_its_owner(
    postroom_database: migrations.ThrowawayDatabase,
) -> None:
    engine = sa.create_engine(postroom_database.url)
    config = migrations.alembic_config(postroom_database.url, schema="handed_in")
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            # Same transaction, not yet committed: visible here ...
            assert (
                connection.execute(sa.text("SELECT count(*) FROM handed_in.outbox")).scalar() == 0
            )
            connection.rollback()
        # ... and gone after the owner rolled back: the env committed nothing itself.
        assert migrations.current(postroom_database.url, schema="handed_in") is None
    finally:
        engine.dispose()
