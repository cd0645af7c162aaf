"""Inbox rows are kept for the redelivery horizon, then deleted in batches by one
instance at a time."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from postroom import migrations
from postroom.inbox import InboxRetention, retention_horizon
from tests.integration.inbox.conftest import Reader

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def insert_rows(engine: sa.Engine, count: int, age: timedelta, *, now: datetime = NOW) -> None:
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                'INSERT INTO inbox_message (consumer, message_id, topic, partition, "offset", '
                "received_at) VALUES ('c', :id, 't', 0, 0, :at)"
            ),
            [{"id": uuid.uuid4(), "at": now - age} for _ in range(count)],
        )


def rows(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(sa.text("SELECT count(*) FROM inbox_message")).scalar_one())


def test_rows_older_than_the_horizon_are_deleted_in_batches_and_younger_ones_kept(
    reader: Reader,
) -> None:
    insert_rows(reader.engine, 25, timedelta(days=9))
    insert_rows(reader.engine, 5, timedelta(days=7))
    retention = InboxRetention(reader.engine, horizon=retention_horizon(), batch_size=10)

    run = retention.purge(now=NOW)

    assert (run.locked, run.deleted) == (True, 25)
    assert run.cutoff == NOW - timedelta(days=8)
    assert rows(reader.engine) == 5


def test_a_second_instance_does_nothing_while_one_holds_the_lock(reader: Reader) -> None:
    insert_rows(reader.engine, 3, timedelta(days=30))
    retention = InboxRetention(reader.engine, horizon=timedelta(days=1))
    with reader.engine.connect() as other:
        other.execute(sa.select(sa.func.pg_advisory_lock(retention.lock_key)))
        run = retention.purge(now=NOW)
        other.execute(sa.select(sa.func.pg_advisory_unlock(retention.lock_key)))
    assert (run.locked, run.deleted) == (False, 0)
    assert rows(reader.engine) == 3
    assert retention.purge(now=NOW).deleted == 3


def test_the_horizon_is_the_longest_redelivery_window_plus_a_margin() -> None:
    horizon = retention_horizon(
        topic_retention=timedelta(days=3),
        dead_letter_retention=timedelta(days=14),
        retry_delays_s=(60.0, 600.0),
        margin=timedelta(hours=12),
    )
    assert horizon == timedelta(days=14, hours=12, minutes=11)
    with pytest.raises(ValueError, match="negative"):
        retention_horizon(margin=timedelta(days=-1))


def test_the_retention_index_migrates_down_and_up_again(reader: Reader) -> None:
    def indexes() -> set[str]:
        return {i["name"] for i in sa.inspect(reader.engine).get_indexes("inbox_message")}

    assert "ix_inbox_message_received_at" in indexes()
    migrations.downgrade(reader.url, revision="0001")
    assert "ix_inbox_message_received_at" not in indexes()
    migrations.upgrade(reader.url)
    assert migrations.current(reader.url) == migrations.revisions()[-1]
    assert "ix_inbox_message_received_at" in indexes()


def test_postroom_inbox_purge_deletes_old_rows(
    reader: Reader, capsys: pytest.CaptureFixture[str]
) -> None:
    from postroom.cli import main

    # The command's clock is the wall clock, so the ages count from it.
    now = datetime.now(UTC)
    insert_rows(reader.engine, 4, timedelta(days=400), now=now)
    insert_rows(reader.engine, 2, timedelta(0), now=now)
    assert main(["inbox", "purge", "--database-url", reader.url, "--json"]) == 0
    assert '"deleted": 4' in capsys.readouterr().out
    assert rows(reader.engine) == 2
