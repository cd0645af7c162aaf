"""``wal-message`` mode writes one transactional logical message, sync or async, and
nothing at all when the caller rolls back."""

from __future__ import annotations

import json
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import Session

from postroom.outbox import Event, Outbox, publish

MakeDatabase = Callable[..., tuple[str, sa.Engine]]
WAL = Outbox(mode="wal-message")


def messages(engine: sa.Engine, slot: str) -> list[dict[str, object]]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT data FROM "
                "pg_logical_slot_get_binary_changes(:slot, NULL, NULL, "
                "'proto_version', '1', 'publication_names', :pub, 'messages', 'true')"
            ),
            {"slot": slot, "pub": slot},
        ).scalars()
        found = []
        for row in rows:
            data = bytes(row)
            if data.startswith(b"M"):  # pgoutput Message: flags, lsn, prefix\0, length, content
                start = data.index(b"outbox\x00") + len(b"outbox\x00") + 4
                found.append(json.loads(data[start:]))
        return found


def open_slot(engine: sa.Engine, name: str) -> str:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text(f"CREATE PUBLICATION {name}"))
        connection.execute(
            sa.text("SELECT pg_create_logical_replication_slot(:slot, 'pgoutput')"),
            {"slot": name},
        )
    return name


async def test_sync_and_async_publish_emit_the_same_envelope(new_database: MakeDatabase) -> None:
    url, engine = new_database("walmsg", mode="wal-message")
    slot = open_slot(engine, "peek_walmsg")
    event = Event(aggregate_type="user", aggregate_id="42", type="UserRegistered", payload={"a": 1})
    with Session(engine) as session, session.begin():
        publish(session, event, outbox=WAL)
    async_engine = create_async_engine(url.replace("+psycopg", "+asyncpg"))
    try:
        async with AsyncSession(async_engine) as session, session.begin():
            await publish(session, event, outbox=WAL)
        async with AsyncSession(async_engine) as session, session.begin():
            await publish(session, Event(aggregate_type="user", aggregate_id="43", type="X",
                                         payload=None), outbox=WAL)  # fmt: skip
            await session.rollback()
    finally:
        await async_engine.dispose()

    sync_envelope, async_envelope = messages(engine, slot)

    assert sync_envelope == async_envelope
    assert sync_envelope["id"] == str(event.id)
    assert sync_envelope["aggregateid"] == "42"
    assert json.loads(str(sync_envelope["payload"])) == {"a": 1}
    with engine.connect() as connection:
        connection.execute(sa.text("SELECT pg_drop_replication_slot(:s)"), {"s": slot})
