"""publish_many(): a batch of events in one statement, exactly what a publish() per event
writes to the WAL, in every mode, sync and async."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import Session

from postroom.outbox import Event, InvalidEventError, publish, publish_many

MakeDatabase = Callable[..., tuple[str, sa.Engine]]


def events(count: int, **overrides: object) -> list[Event]:
    made = []
    for n in range(count):
        fields: dict[str, object] = {
            "aggregate_type": "order",
            "aggregate_id": f"o-{n}",
            "type": "OrderPlaced",
            "payload": {"n": n, "items": [1, 2.5, None], "note": "ü"},
        }
        fields.update(overrides)
        made.append(Event(**fields))  # type: ignore[arg-type]
    return made


class Peek:
    """A test_decoding slot on one database: what the WAL carried since the last look."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.slot = f"peek_{engine.url.database}"
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(
                sa.text("SELECT pg_create_logical_replication_slot(:slot, 'test_decoding')"),
                {"slot": self.slot},
            )

    def changes(self) -> list[str]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT data FROM pg_logical_slot_get_changes(:slot, NULL, NULL)"),
                {"slot": self.slot},
            ).scalars()
            return [row for row in rows if not row.startswith(("BEGIN", "COMMIT"))]

    def forget_retained(self) -> None:
        """Delete what ``retain`` mode kept (so the same events can be written again),
        and what the WAL says about it."""
        with self.engine.begin() as connection:
            if connection.execute(sa.text("SELECT to_regclass('outbox_retained')")).scalar():
                connection.execute(sa.text("DELETE FROM outbox_retained"))
        self.changes()

    def drop(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(
                sa.text("SELECT pg_drop_replication_slot(:slot)"), {"slot": self.slot}
            )


@pytest.fixture(params=["table", "retain", "wal-message"])
def database(
    request: pytest.FixtureRequest, new_database: MakeDatabase
) -> Iterator[tuple[str, sa.Engine, Peek]]:
    url, engine = new_database("many", mode=request.param)
    peek = Peek(engine)
    yield url, engine, peek
    peek.drop()


def test_a_batch_writes_to_the_wal_exactly_what_one_publish_per_event_writes(
    database: tuple[str, sa.Engine, Peek],
) -> None:
    _, engine, peek = database
    batch = events(3)
    with Session(engine) as session, session.begin():
        for event in batch:
            publish(session, event)
    one_by_one = peek.changes()
    peek.forget_retained()
    with Session(engine) as session, session.begin():
        publish_many(session, batch)
    batched = peek.changes()

    def inserts(changes: list[str]) -> list[str]:
        return [c for c in changes if "DELETE" not in c]

    assert inserts(batched) == inserts(one_by_one)
    assert len(inserts(batched)) == 3
    for n, change in enumerate(inserts(batched)):  # in the batch's order
        assert f"o-{n}" in change
    # table mode deletes every row it inserted; the others keep or never had a table
    assert sorted(c for c in batched if "DELETE" in c) == sorted(
        c for c in one_by_one if "DELETE" in c
    )
    with engine.connect() as connection:
        tables = connection.execute(
            sa.text("SELECT count(*) FROM pg_tables WHERE tablename = 'outbox'")
        ).scalar_one()
        if tables:
            assert connection.execute(sa.text("SELECT count(*) FROM outbox")).scalar() == 0


def test_a_rolled_back_batch_leaves_nothing_and_an_empty_batch_writes_nothing(
    database: tuple[str, sa.Engine, Peek],
) -> None:
    _, engine, peek = database
    with Session(engine) as session:
        with session.begin():
            publish_many(session, events(5))
            session.rollback()
        with session.begin():
            publish_many(session, [])
    assert peek.changes() == []


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (lambda: events(1)[0], "needs a sequence of outbox.Event"),
        (lambda: "not events", "needs a sequence of outbox.Event"),
        (lambda: [*events(2), {"type": "x"}], "item 2 is dict"),
    ],
    ids=["one-event", "a-string", "a-non-event-item"],
)
def test_bad_input_raises_a_clear_error_and_writes_nothing(
    new_database: MakeDatabase, bad: Callable[[], object], message: str
) -> None:
    _, engine = new_database("many_bad")
    peek = Peek(engine)
    try:
        with (
            Session(engine) as session,
            session.begin(),
            pytest.raises(InvalidEventError, match=message),
        ):
            publish_many(session, bad())  # type: ignore[call-overload]
        assert peek.changes() == []
    finally:
        peek.drop()


async def test_async_publish_many_on_asyncpg_writes_what_sync_publish_writes(
    database: tuple[str, sa.Engine, Peek],
) -> None:
    url, engine, peek = database
    batch = events(4, aggregate_type="asyncorder")
    with Session(engine) as session, session.begin():
        for event in batch:
            publish(session, event)
    expected = peek.changes()
    peek.forget_retained()
    async_engine = create_async_engine(url.replace("+psycopg", "+asyncpg"))
    try:
        async with AsyncSession(async_engine) as session, session.begin():
            await publish_many(session, batch)
        written = [c for c in peek.changes() if "DELETE" not in c]
        single = events(1, aggregate_id="async-single")[0]
        async with AsyncSession(async_engine) as session, session.begin():
            await publish(session, single)  # the single-event async path too
    finally:
        await async_engine.dispose()
    assert written == [c for c in expected if "DELETE" not in c]
    [after] = [c for c in peek.changes() if "DELETE" not in c]
    assert str(single.id) in after and "async-single" in after
