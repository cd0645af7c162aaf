"""Revisions 0002 (heartbeat) and 0003 (retained outbox) match their table functions."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from postroom import migrations
from postroom.connectors import heartbeat_table
from postroom.outbox import outbox_table, retained_outbox_table

MakeDatabase = Callable[..., tuple[str, sa.Engine]]
OURS = ("outbox", "outbox_retained", "postroom_heartbeat")


def drift(engine: sa.Engine) -> list[object]:
    metadata = sa.MetaData()
    outbox_table(metadata)
    retained_outbox_table(metadata)
    heartbeat_table(metadata)

    def include(name: str | None, type_: str, parent: object) -> bool:
        return type_ != "table" or name in OURS

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": include})
        return list(compare_metadata(context, metadata))


def tables(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names()) & set(OURS)


def test_the_revisions_create_exactly_what_the_table_functions_define(
    new_database: MakeDatabase,
) -> None:
    _, engine = new_database("drift")

    assert drift(engine) == []


def test_downgrading_to_0001_removes_them_and_upgrading_brings_them_back(
    new_database: MakeDatabase,
) -> None:
    url, engine = new_database("drift")

    migrations.downgrade(url, revision="0001")
    assert tables(engine) == {"outbox"}
    migrations.upgrade(url)

    assert tables(engine) == set(OURS)
    assert drift(engine) == []
