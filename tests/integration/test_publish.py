"""publish() against real PostgreSQL: the WAL carries exactly the committed events."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import Session

from postroom.outbox import Event, InvalidEventError, publish

MakeDatabase = Callable[..., tuple[str, sa.Engine]]


def user_event(**overrides: object) -> Event:
    fields: dict[str, object] = {
        "aggregate_type": "user",
        "aggregate_id": "42",
        "type": "UserRegistered",
        "payload": {"email": "a@example.com"},
    }
    fields.update(overrides)
    return Event(**fields)  # type: ignore[arg-type]


@pytest.fixture
def database(new_database: MakeDatabase) -> Iterator[tuple[str, sa.Engine]]:
    url, engine = new_database("publish")
    with engine.connect() as connection:
        connection.execute(sa.text("CREATE TABLE business (id int PRIMARY KEY)"))
        connection.commit()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(
            sa.text("SELECT pg_create_logical_replication_slot(:slot, 'test_decoding')"),
            {"slot": _slot(engine)},
        )
    yield url, engine
    with engine.connect() as connection:
        connection.execute(
            sa.text("SELECT pg_drop_replication_slot(:slot)"), {"slot": _slot(engine)}
        )


def _slot(engine: sa.Engine) -> str:
    return f"peek_{engine.url.database}"


def wal_changes(engine: sa.Engine) -> list[str]:
    """What the WAL says happened since the last look, as test_decoding prints it."""
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT data FROM pg_logical_slot_get_changes(:slot, NULL, NULL)"),
            {"slot": _slot(engine)},
        ).scalars()
        return [row for row in rows if not row.startswith(("BEGIN", "COMMIT"))]


def test_a_committed_event_is_inserted_then_deleted_in_the_same_transaction(
    database: tuple[str, sa.Engine],
) -> None:
    _, engine = database
    event = user_event()
    with Session(engine) as session, session.begin():
        session.execute(sa.text("INSERT INTO business VALUES (1)"))
        publish(session, event)

    changes = wal_changes(engine)
    assert changes[0].startswith("table public.business: INSERT")
    assert changes[1].startswith("table public.outbox: INSERT") and str(event.id) in changes[1]
    assert changes[2].startswith("table public.outbox: DELETE") and str(event.id) in changes[2]
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM outbox")).scalar() == 0


def test_a_rolled_back_transaction_leaves_no_event_in_the_wal(
    database: tuple[str, sa.Engine],
) -> None:
    _, engine = database
    with Session(engine) as session:
        session.execute(sa.text("INSERT INTO business VALUES (1)"))
        publish(session, user_event())
        session.rollback()
    assert wal_changes(engine) == []


@pytest.mark.parametrize(
    ("bad_input", "message"),
    [
        (lambda: user_event(payload={"when": object()}), "not JSON-serialisable"),
        (lambda: user_event(aggregate_id=""), "aggregate_id must be a non-empty string"),
        (lambda: user_event(payload={"blob": "x" * 1_000_000}), "more than the maximum"),
        (lambda: {"aggregate_type": "user"}, "needs an outbox.Event, got dict"),
    ],
    ids=["non-serialisable", "empty-aggregate-id", "oversized", "not-an-event"],
)
def test_bad_input_raises_a_clear_error_and_writes_nothing(
    database: tuple[str, sa.Engine], bad_input: Callable[[], Event], message: str
) -> None:
    _, engine = database
    with Session(engine) as session, session.begin():
        session.execute(sa.text("INSERT INTO business VALUES (1)"))
        with pytest.raises(InvalidEventError, match=message):
            publish(session, bad_input())
    changes = wal_changes(engine)
    assert [c.split(":")[0] for c in changes] == ["table public.business"]


def test_publish_refuses_something_that_is_not_a_session() -> None:
    with pytest.raises(InvalidEventError, match="needs a SQLAlchemy Session or AsyncSession"):
        publish("postgresql://", user_event())  # type: ignore[call-overload]


async def test_async_publish_on_asyncpg_writes_the_same_rows(
    database: tuple[str, sa.Engine],
) -> None:
    url, engine = database
    async_engine = create_async_engine(url.replace("+psycopg", "+asyncpg"))
    event = user_event(aggregate_id="async-1")
    try:
        async with AsyncSession(async_engine) as session, session.begin():
            await session.execute(sa.text("INSERT INTO business VALUES (2)"))
            await publish(session, event)
    finally:
        await async_engine.dispose()
    changes = wal_changes(engine)
    assert [c.split(":")[0:2] for c in changes] == [
        ["table public.business", " INSERT"],
        ["table public.outbox", " INSERT"],
        ["table public.outbox", " DELETE"],
    ]
    assert "async-1" in changes[1]
