"""Migrating puts capture in place: the outbox settings recorded once, the publication, and
the replication slot the relay will adopt (created after the revisions committed)."""

from __future__ import annotations

import itertools
import threading

import pytest
import sqlalchemy as sa

from postroom import migrations
from postroom.cli import main
from postroom.devstack import EmbeddedStack

_names = itertools.count()


def fresh(stack: EmbeddedStack) -> str:
    return stack.postgres.create_database(f"capture_mig_{next(_names)}")


def capture_of(url: str, schema: str = "public") -> dict[str, object]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            record = (
                connection.execute(sa.text(f"SELECT * FROM {schema}.postroom_outbox_settings"))
                .mappings()
                .one()
            )
            slots = connection.execute(
                sa.text(
                    "SELECT slot_name, plugin, active FROM pg_replication_slots "
                    "WHERE database = current_database() AND slot_name LIKE 'postroom%'"
                )
            ).all()
            published = (
                connection.execute(
                    sa.text(
                        "SELECT schemaname || '.' || tablename FROM pg_publication_tables "
                        "WHERE pubname = :p ORDER BY 1"
                    ),
                    {"p": record["publication_name"]},
                )
                .scalars()
                .all()
            )
    finally:
        engine.dispose()
    return {"record": dict(record), "slots": slots, "published": published}


def test_upgrade_records_the_settings_and_creates_publication_and_slot(
    stack: EmbeddedStack,
) -> None:
    url = fresh(stack)
    database = sa.engine.make_url(url).database

    migrations.upgrade(
        url,
        settings=migrations.MigrationSettings(
            schema="shop", outbox_table="shop_outbox", extra_header_columns={"region": "rgn"}
        ),
    )

    capture = capture_of(url, schema="shop")
    record = capture["record"]
    assert isinstance(record, dict)
    assert {key: record[key] for key in record if key != "recorded_at"} == {
        "id": 1,
        "mode": "table",
        "outbox_schema": "shop",
        "outbox_table": "shop_outbox",
        "header_columns": {"region": "rgn"},
        "slot_name": f"postroom_{database}_shop",
        "publication_name": f"postroom_{database}_shop",
    }
    assert capture["slots"] == [(f"postroom_{database}_shop", "pgoutput", False)]
    assert capture["published"] == ["shop.postroom_heartbeat", "shop.shop_outbox"]


def test_upgrading_again_keeps_the_capture_and_refuses_to_change_the_recorded_mode(
    stack: EmbeddedStack,
) -> None:
    url = fresh(stack)
    migrations.upgrade(url, settings=migrations.MigrationSettings(mode="wal-message"))
    before = capture_of(url)

    migrations.upgrade(url)  # no mode given: the recorded one stands
    with pytest.raises(migrations.MigrationSettingsError) as caught:
        migrations.upgrade(url, settings=migrations.MigrationSettings(mode="retain"))

    assert capture_of(url) == before
    assert str(caught.value).startswith(
        "mode='retain' (recorded: 'wal-message'): the outbox settings are recorded once, in "
        "public.postroom_outbox_settings"
    )


def test_without_capture_the_slot_waits_for_postroom_migrate_capture(
    stack: EmbeddedStack, capsys: pytest.CaptureFixture[str]
) -> None:
    url = fresh(stack)
    database = sa.engine.make_url(url).database
    migrations.upgrade(url, capture=False)
    assert capture_of(url)["slots"] == []

    assert main(["migrate", "capture", "--database-url", url]) == 0
    assert main(["migrate", "capture", "--database-url", url]) == 0

    first, second = capsys.readouterr().out.splitlines()
    assert first == (
        f"capture: outbox mode 'table', slot 'postroom_{database}' (created), publication "
        f"'postroom_{database}' (in place): every event committed from now on is relayed, "
        "whenever a relay first starts"
    )
    assert f"slot 'postroom_{database}' (in place)" in second
    assert capture_of(url)["slots"] == [(f"postroom_{database}", "pgoutput", False)]


def test_a_transaction_that_keeps_the_slot_waiting_is_named(stack: EmbeddedStack) -> None:
    url = fresh(stack)
    migrations.upgrade(url, capture=False)
    other = sa.create_engine(stack.postgres.url())
    release = threading.Event()
    holding = threading.Event()

    def hold_a_write_transaction() -> None:
        with other.connect() as connection:
            connection.execute(sa.text("SET application_name = 'long_writer'"))
            connection.execute(sa.text("CREATE TEMP TABLE IF NOT EXISTS t (x int)"))
            connection.execute(sa.text("INSERT INTO t VALUES (1)"))  # an xid, kept open
            holding.set()
            release.wait(30)
            connection.rollback()

    holder = threading.Thread(target=hold_a_write_transaction)
    holder.start()
    try:
        assert holding.wait(10)
        with pytest.raises(migrations.CaptureSetupError) as caught:
            migrations.ensure_capture(url, timeout_s=1)
    finally:
        release.set()
        holder.join()
        other.dispose()

    assert caught.value.retriable
    assert "waited 1 s for transactions that were running to end" in str(caught.value)
    assert "'postgres' (long_writer, open " in str(caught.value)
    migrations.ensure_capture(url)  # once it ended, capture goes through


def test_downgrading_the_capture_revision_removes_slot_publication_and_record(
    stack: EmbeddedStack,
) -> None:
    url = fresh(stack)
    migrations.upgrade(url)

    migrations.downgrade(url, revision="0004")

    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            left = connection.execute(
                sa.text(
                    "SELECT (SELECT count(*) FROM pg_replication_slots WHERE database = "
                    "current_database()), (SELECT count(*) FROM pg_publication), "
                    "to_regclass('postroom_outbox_settings')"
                )
            ).one()
    finally:
        engine.dispose()
    assert tuple(left) == (0, 0, None)


def test_the_offline_sql_records_the_settings_and_says_how_to_make_the_slot(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(
        [
            "migrate",
            "upgrade",
            "--sql",
            "--database-url",
            "postgresql://app@db/shop",
            "--mode",
            "retain",
        ]
    )

    sql = capsys.readouterr().out
    assert code == 0
    assert "INSERT INTO postroom_outbox_settings" in sql
    assert "'retain', 'public', 'outbox_retained', CAST('{}' AS jsonb), 'postroom_shop'" in sql
    assert (
        'CREATE PUBLICATION "postroom_shop" FOR TABLE "public"."outbox_retained", '
        '"public"."postroom_heartbeat" WITH (publish_via_partition_root = true)'
    ) in sql
    assert sql.rstrip().endswith("pg_create_logical_replication_slot('postroom_shop', 'pgoutput');")
