"""publish() refuses to write an event no relay could ever see, or in another mode than the
database recorded: a clear error, nothing written, the business transaction rolled back."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import Session

from postroom import migrations
from postroom.devstack import EmbeddedStack
from postroom.outbox import (
    REQUIRE_CAPTURE_ENV,
    CaptureMissingError,
    Event,
    Outbox,
    OutboxMismatchError,
    OutboxMode,
    publish,
)

_names = itertools.count()


def an_event() -> Event:
    return Event(aggregate_type="user", aggregate_id="42", type="UserRegistered", payload={})


@pytest.fixture
def make_service(stack: EmbeddedStack) -> Iterator[Callable[..., tuple[str, sa.Engine]]]:
    """A migrated database with a ``business`` table; disposed after the test."""
    engines: list[sa.Engine] = []

    def make(mode: OutboxMode = "table", **upgrade: object) -> tuple[str, sa.Engine]:
        url = stack.postgres.create_database(f"capture_{mode.replace('-', '_')}_{next(_names)}")
        migrations.upgrade(url, settings=migrations.MigrationSettings(mode=mode), **upgrade)  # type: ignore[arg-type]
        engine = sa.create_engine(url)
        engines.append(engine)
        with engine.begin() as connection:
            connection.execute(sa.text("CREATE TABLE business (id int PRIMARY KEY)"))
        return url, engine

    yield make
    for engine in engines:
        engine.dispose()


def business_rows(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(sa.text("SELECT count(*) FROM business")).scalar_one())


def watch_the_wal(engine: sa.Engine) -> None:
    """A test_decoding slot, to see what gets committed from now on."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(
            sa.text("SELECT pg_create_logical_replication_slot(:s, 'test_decoding')"),
            {"s": f"peek_{engine.url.database}"},
        )


def outbox_changes_committed(engine: sa.Engine) -> int:
    """Outbox rows or messages committed since ``watch_the_wal``."""
    with engine.connect() as connection:
        changes = connection.execute(
            sa.text("SELECT data FROM pg_logical_slot_peek_changes(:s, NULL, NULL)"),
            {"s": f"peek_{engine.url.database}"},
        ).scalars()
        return sum("outbox" in change for change in changes)


def remove(engine: sa.Engine, what: str) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        slot, publication = connection.execute(
            sa.text("SELECT slot_name, publication_name FROM postroom_outbox_settings")
        ).one()
        if what == "slot":
            connection.execute(sa.text("SELECT pg_drop_replication_slot(:s)"), {"s": slot})
        else:
            connection.execute(sa.text(f'DROP PUBLICATION "{publication}"'))


@pytest.mark.parametrize("what", ["slot", "publication"])
def test_publish_without_capture_names_the_fix_writes_nothing_and_rolls_back(
    make_service: Callable[..., tuple[str, sa.Engine]], what: str
) -> None:
    _, engine = make_service()
    remove(engine, what)
    watch_the_wal(engine)

    with Session(engine) as session, session.begin():
        session.execute(sa.text("INSERT INTO business VALUES (1)"))
        with pytest.raises(CaptureMissingError) as caught:
            publish(session, an_event())

    message = str(caught.value)
    assert f"'postroom_{engine.url.database}' does not exist" in message
    assert "an event written now would never reach Kafka" in message
    assert "Run `postroom migrate capture --database-url URL`" in message
    assert business_rows(engine) == 0
    assert outbox_changes_committed(engine) == 0


def test_the_business_rows_are_rolled_back_even_if_the_caller_goes_on_to_commit(
    make_service: Callable[..., tuple[str, sa.Engine]],
) -> None:
    _, engine = make_service()
    remove(engine, "slot")

    with Session(engine) as session:
        session.execute(sa.text("INSERT INTO business VALUES (1)"))
        with pytest.raises(CaptureMissingError):
            publish(session, an_event())
        session.commit()

    assert business_rows(engine) == 0


async def test_async_publish_without_capture_refuses_and_rolls_back(
    make_service: Callable[..., tuple[str, sa.Engine]],
) -> None:
    url, engine = make_service()
    remove(engine, "slot")
    async_engine = create_async_engine(url.replace("+psycopg", "+asyncpg"))
    try:
        async with AsyncSession(async_engine) as session, session.begin():
            await session.execute(sa.text("INSERT INTO business VALUES (1)"))
            with pytest.raises(CaptureMissingError, match="postroom migrate capture"):
                await publish(session, an_event())
    finally:
        await async_engine.dispose()
    assert business_rows(engine) == 0


def test_a_database_migrated_before_the_record_existed_is_refused(stack: EmbeddedStack) -> None:
    url = stack.postgres.create_database("capture_old")
    migrations.upgrade(url, revision="0004")
    engine = sa.create_engine(url)
    try:
        with pytest.raises(CaptureMissingError) as caught, Session(engine) as session:
            publish(session, an_event())
    finally:
        engine.dispose()
    assert "has no outbox settings record (postroom_outbox_settings on the search_path)" in str(
        caught.value
    )
    assert "Run `postroom migrate upgrade --database-url URL`" in str(caught.value)


@pytest.mark.parametrize(("recorded", "mine"), [("table", "wal-message"), ("wal-message", "table")])
def test_a_writer_whose_mode_disagrees_with_the_record_is_refused_naming_both(
    make_service: Callable[..., tuple[str, sa.Engine]], recorded: OutboxMode, mine: OutboxMode
) -> None:
    _, engine = make_service(recorded)
    watch_the_wal(engine)

    with Session(engine) as session, session.begin():
        session.execute(sa.text("INSERT INTO business VALUES (1)"))
        with pytest.raises(OutboxMismatchError) as caught:
            Outbox(mode=mine).publish(session, an_event())

    message = str(caught.value)
    assert message.startswith(f"Outbox(mode={mine!r}) disagrees with the outbox settings")
    assert f"recorded when it was migrated: mode {recorded!r}" in message
    assert "Nothing was written and the transaction was rolled back" in message
    assert business_rows(engine) == 0
    assert outbox_changes_committed(engine) == 0


def test_a_writer_given_no_mode_follows_the_record(
    make_service: Callable[..., tuple[str, sa.Engine]],
) -> None:
    _, engine = make_service("retain")

    with Session(engine) as session, session.begin():
        publish(session, an_event())

    with engine.connect() as connection:
        kept = connection.execute(sa.text("SELECT count(*) FROM outbox_retained")).scalar()
    assert kept == 1


def test_tests_may_opt_out_explicitly(
    make_service: Callable[..., tuple[str, sa.Engine]], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, engine = make_service(capture=False)

    with Session(engine) as session, session.begin():
        session.execute(sa.text("INSERT INTO business VALUES (1)"))
        Outbox(require_capture=False).publish(session, an_event())
    monkeypatch.setenv(REQUIRE_CAPTURE_ENV, "0")
    with Session(engine) as session, session.begin():
        session.execute(sa.text("INSERT INTO business VALUES (2)"))
        publish(session, an_event())

    assert business_rows(engine) == 2


def test_capture_is_checked_once_per_engine_and_again_after_an_error(
    make_service: Callable[..., tuple[str, sa.Engine]],
) -> None:
    _, engine = make_service("retain")
    checks: list[str] = []
    sa.event.listen(
        engine,
        "before_cursor_execute",
        lambda _c, _cur, statement, *_: (
            checks.append(statement) if "pg_replication_slots" in statement else None
        ),
    )
    outbox = Outbox()
    event = an_event()

    for _ in range(2):
        with Session(engine) as session, session.begin():
            publish(session, an_event(), outbox=outbox)
    assert len(checks) == 1
    with Session(engine) as session, session.begin():
        publish(session, event, outbox=outbox)
    with pytest.raises(sa.exc.IntegrityError), Session(engine) as session, session.begin():
        publish(session, event, outbox=outbox)  # same id and time: the row exists
    with Session(engine) as session, session.begin():
        publish(session, an_event(), outbox=outbox)

    assert len(checks) == 2
