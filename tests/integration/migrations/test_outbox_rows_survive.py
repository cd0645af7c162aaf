"""Upgrading a database that holds unrelayed outbox rows loses none of them."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import pytest

from postroom import migrations
from tests.integration.migrations.scratch import config_for, revisions_plus

FIRST = "0001"


def outbox_rows(count: int, *, aggregate: str = "order") -> list[dict[str, Any]]:
    now = dt.datetime.now(dt.UTC)
    return [
        {
            "id": uuid.uuid4(),
            "aggregatetype": aggregate,
            "aggregateid": f"{aggregate}-{n}",
            "type": "OrderPlaced",
            "payload": {"n": n},
            "timestamp": now,
            "tracingspancontext": None,
        }
        for n in range(count)
    ]


def test_upgrading_from_the_first_revision_to_head_keeps_every_outbox_row(
    postroom_migrator: migrations.Migrator,
) -> None:
    rows = outbox_rows(300)

    after = migrations.assert_rows_survive(
        postroom_migrator, table="outbox", rows=rows, before=FIRST, after="heads"
    )

    assert len(after) == 300
    assert postroom_migrator.is_at_heads()


def test_the_row_check_fails_when_a_revision_loses_outbox_rows(
    postroom_database: migrations.ThrowawayDatabase, tmp_path: Path
) -> None:
    scripts = revisions_plus(tmp_path, upgrade="TRUNCATE outbox", downgrade="SELECT 1")
    migrator = migrations.Migrator(
        config_for(scripts, postroom_database.url), postroom_database.url
    )
    try:
        with pytest.raises(AssertionError, match=r"50 of 50 rows of 'outbox' did not survive"):
            migrations.assert_rows_survive(
                migrator, table="outbox", rows=outbox_rows(50), before=FIRST, after="9999"
            )
    finally:
        migrator.close()


def test_the_stairway_fails_on_a_downgrade_that_fails(
    postroom_database: migrations.ThrowawayDatabase, tmp_path: Path
) -> None:
    scripts = revisions_plus(
        tmp_path, upgrade="CREATE TABLE scratch (id int)", downgrade="DROP TABLE no_such_table"
    )
    migrator = migrations.Migrator(
        config_for(scripts, postroom_database.url), postroom_database.url
    )
    try:
        with pytest.raises(migrations.MigrationError, match=r"'9999' \(downgrade\).*no_such_table"):
            migrator.stairway()
    finally:
        migrator.close()


def test_the_drift_check_fails_on_a_revision_the_models_do_not_know(
    postroom_database: migrations.ThrowawayDatabase, tmp_path: Path
) -> None:
    scripts = revisions_plus(
        tmp_path,
        upgrade="ALTER TABLE outbox ADD COLUMN priority integer",
        downgrade="ALTER TABLE outbox DROP COLUMN priority",
    )
    migrations.Migrator(config_for(scripts, postroom_database.url), postroom_database.url).upgrade()

    with pytest.raises(
        migrations.MigrationDriftError, match=r"remove_column: column outbox\.priority"
    ):
        migrations.check_drift(postroom_database.url)


def test_the_stairway_fails_on_a_downgrade_that_leaves_a_column_behind(
    postroom_database: migrations.ThrowawayDatabase, tmp_path: Path
) -> None:
    scripts = revisions_plus(
        tmp_path,
        upgrade="ALTER TABLE outbox ADD COLUMN IF NOT EXISTS priority integer DEFAULT 0",
        downgrade="SELECT 1",  # forgot DROP COLUMN; the second upgrade would not notice
    )
    migrator = migrations.Migrator(
        config_for(scripts, postroom_database.url), postroom_database.url
    )
    try:
        with pytest.raises(migrations.MigrationError, match=r"'9999' did not restore") as err:
            migrator.stairway()
        assert "priority integer default 0" in str(err.value)
    finally:
        migrator.close()


def test_the_stairway_fails_on_a_downgrade_that_leaves_a_table_behind(
    postroom_database: migrations.ThrowawayDatabase, tmp_path: Path
) -> None:
    scripts = revisions_plus(
        tmp_path, upgrade="CREATE TABLE scratch (id int)", downgrade="SELECT 1"
    )
    migrator = migrations.Migrator(
        config_for(scripts, postroom_database.url), postroom_database.url
    )
    try:
        with pytest.raises(migrations.MigrationError, match=r"left behind: \['r public.scratch"):
            migrator.stairway()
    finally:
        migrator.close()
