"""Sagas kept in a real PostgreSQL database: two replies committed at once both count
(the row is locked), a reply rolled back with its transaction never happened, the
scheduler re-requests and applies deadlines, hooks write in the saga's transaction; and
``postroom saga list|show`` prints them, failing in one line where there is no table."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from postroom.devstack import EmbeddedPostgres
from postroom.saga import (
    SagaCoordinator,
    SagaDefinition,
    SagaScheduler,
    SagaState,
    SagaStep,
    saga_table,
)
from tests.integration.cli.test_every_failure import assert_one_error_line, postroom

pytestmark = pytest.mark.privacy

T0 = datetime.now(UTC)
metadata = sa.MetaData()
table = saga_table(metadata)
asked = sa.Table(
    "asked",
    metadata,
    sa.Column("saga", sa.Text),
    sa.Column("who", sa.Text),
    sa.Column("attempt", sa.Integer),
)
DEFINITION = SagaDefinition(
    "booking",
    (
        SagaStep(
            "reserve", ("hotel", "car"), timedelta(seconds=30), rerequest_after=timedelta(seconds=5)
        ),
        SagaStep("pay", ("bank",), timedelta(seconds=10), on_deadline="fail"),
    ),
)


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    server = EmbeddedPostgres()
    try:
        url = server.start().create_database("sagas")
        engine = sa.create_engine(url)
        metadata.create_all(engine)
        engine.dispose()
        yield url
    finally:
        server.stop()


async def ask(
    session: AsyncSession, saga: SagaState, step: str, who: tuple[str, ...], attempt: int
) -> None:
    await session.execute(
        asked.insert(), [{"saga": saga.id, "who": w, "attempt": attempt} for w in who]
    )


compensated: list[tuple[str, str]] = []


async def undo(session: AsyncSession, saga: SagaState, step: str) -> None:
    compensated.append((saga.id, step))


def coordinator() -> SagaCoordinator:
    return SagaCoordinator(DEFINITION, table, request=ask, compensate=undo)


async def _run(url: str, body: Any) -> Any:
    engine = create_async_engine(url.replace("+psycopg", "+asyncpg"))
    try:
        return await body(async_sessionmaker(engine, expire_on_commit=False))
    finally:
        await engine.dispose()


def test_a_saga_moves_only_with_committed_replies_and_the_scheduler(database: str) -> None:
    c = coordinator()

    async def body(sessions: async_sessionmaker[AsyncSession]) -> dict[str, Any]:
        async with sessions.begin() as s:
            await c.start(s, "11111111-1111-1111-1111-111111111111", subject="u1", now=T0)
        # A reply whose transaction rolls back never happened.
        async with sessions() as s, s.begin() as transaction:
            await c.reply(s, "11111111-1111-1111-1111-111111111111", "reserve", "car", {}, now=T0)
            await transaction.rollback()

        # Two replies committed at once: both count (the saga row is locked in turn).
        async def answer(who: str) -> None:
            async with sessions.begin() as s:
                await c.reply(
                    s,
                    "11111111-1111-1111-1111-111111111111",
                    "reserve",
                    who,
                    {"ok": who},
                    now=T0 + timedelta(seconds=1),
                )

        await asyncio.gather(answer("hotel"), answer("car"))
        async with sessions() as s:
            after_replies = await c.get(s, "11111111-1111-1111-1111-111111111111")
        # The bank never answers: asked again? No re-request for "pay"; its deadline fails
        # the saga and compensates the completed step.
        scheduler = SagaScheduler(sessions, [c], interval=0.1)
        due = await scheduler.run_once(now=T0 + timedelta(seconds=12))
        async with sessions() as s:
            failed = await c.get(s, "11111111-1111-1111-1111-111111111111")
            rows = (await s.execute(sa.select(asked.c.who, asked.c.attempt))).all()
        return {"after": after_replies, "due": due, "failed": failed, "asked": rows}

    got = asyncio.run(_run(database, body))
    assert got["after"].current.name == "pay"
    assert {n: p.reply for n, p in got["after"].steps[0].participants.items()} == {
        "hotel": {"ok": "hotel"},
        "car": {"ok": "car"},
    }
    assert sorted(got["asked"]) == [("bank", 1), ("car", 1), ("hotel", 1)]
    assert got["due"] == 1
    assert got["failed"].status == "failed"
    assert ("11111111-1111-1111-1111-111111111111", "reserve") in compensated


def test_the_scheduler_asks_silent_participants_again(database: str) -> None:
    c = coordinator()
    saga_id = "22222222-2222-2222-2222-222222222222"

    async def body(sessions: async_sessionmaker[AsyncSession]) -> list[Any]:
        async with sessions.begin() as s:
            await c.start(s, saga_id, now=T0)
            await c.reply(s, saga_id, "reserve", "hotel", {}, now=T0)
        scheduler = SagaScheduler(sessions, [c])
        assert await scheduler.run_once(now=T0 + timedelta(seconds=4)) == 0  # not yet due
        assert await scheduler.run_once(now=T0 + timedelta(seconds=5)) == 1
        async with sessions() as s:
            return list(
                (
                    await s.execute(
                        sa.select(asked.c.who, asked.c.attempt).where(asked.c.saga == saga_id)
                    )
                ).all()
            )

    assert sorted(asyncio.run(_run(database, body))) == [("car", 1), ("car", 2), ("hotel", 1)]


def test_postroom_saga_list_and_show_print_them(database: str) -> None:
    listed = postroom("saga", "list", "--database-url", database, "--kind", "booking", "--json")
    assert listed.code == 0, listed.stderr
    rows = {r["id"]: r for r in json.loads(listed.stdout)}
    assert rows["22222222-2222-2222-2222-222222222222"]["waiting_for"] == ["car"]
    assert rows["11111111-1111-1111-1111-111111111111"]["status"] == "failed"

    shown = postroom(
        "saga", "show", "22222222-2222-2222-2222-222222222222", "--database-url", database, "--json"
    )
    assert shown.code == 0, shown.stderr
    saga = json.loads(shown.stdout)
    timeline = [(e["participant"], e["what"]) for e in saga["timeline"]]
    assert sorted(timeline[:2]) == [("car", "requested"), ("hotel", "requested")]
    assert timeline[2:] == [("hotel", "replied")]
    assert saga["steps"][0]["participants"]["car"]["requests"] == 2

    table_text = postroom(
        "saga", "show", "22222222-2222-2222-2222-222222222222", "--database-url", database
    )
    assert table_text.code == 0 and "timeline" in table_text.stdout


def test_postroom_saga_fails_in_one_line(database: str) -> None:
    missing = postroom(
        "saga", "show", "33333333-3333-3333-3333-333333333333", "--database-url", database
    )
    assert_one_error_line(missing, "no saga 33333333-3333-3333-3333-333333333333")
    no_table = postroom("saga", "list", "--database-url", database, "--table", "elsewhere")
    assert_one_error_line(no_table, "'elsewhere' does not exist")
    no_url = postroom("saga", "list")
    assert_one_error_line(no_url, "--database-url", "POSTROOM_DATABASE_URL")
