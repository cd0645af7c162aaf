"""The Alembic env runs on a sync engine, an async engine, or a connection it is handed."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command

from postroom import migrations


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


def test_a_ddl_that_waits_for_a_lock_gives_up_after_lock_timeout_and_can_be_retried(
    postroom_database: migrations.ThrowawayDatabase,
) -> None:
    url = postroom_database.url
    migrations.upgrade(url)
    impatient = migrations.MigrationSettings(lock_timeout_ms=200)
    reader = sa.create_engine(url)
    try:
        with reader.begin() as connection:  # a long transaction that read our tables
            connection.execute(sa.text("SELECT count(*) FROM outbox"))
            connection.execute(sa.text("SELECT count(*) FROM inbox_message"))
            with pytest.raises(migrations.MigrationLockTimeoutError, match="lock_timeout") as err:
                migrations.downgrade(url, settings=impatient)
        assert err.value.retriable
        # 0005's downgrade needs no lock the reader holds and went through; 0004's index
        # drop waited, gave up, and was undone whole: the database is at 0004, not between.
        assert migrations.current(url) == "0004"
        migrations.downgrade(url, settings=impatient)  # the reader is gone: now it works
        assert migrations.current(url) is None
    finally:
        reader.dispose()


def test_unknown_revisions_and_unreachable_servers_are_mapped_errors(
    postroom_database: migrations.ThrowawayDatabase,
) -> None:
    with pytest.raises(migrations.MigrationSettingsError, match="upgrade to nope"):
        migrations.upgrade(postroom_database.url, revision="nope")
    with pytest.raises(migrations.MigrationError, match="not reachable") as err:
        migrations.upgrade("postgresql+psycopg://postgres@127.0.0.1:1/none")
    assert err.value.retriable
