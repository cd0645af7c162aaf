"""The data-key store and retention on real PostgreSQL, without any service."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from postroom.errors import ConfigurationError, SubjectShreddedError
from postroom.privacy import RetentionPolicy, SubjectKeys, expire, subject_keys_table

pytestmark = pytest.mark.privacy

MakeDatabase = Callable[..., tuple[str, sa.Engine]]
metadata = sa.MetaData()
KEYS = SubjectKeys(subject_keys_table(metadata))
reading = sa.Table(
    "reading",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
)


@pytest.fixture
def engine(new_database: MakeDatabase) -> sa.Engine:
    _, engine = new_database("privacy")
    metadata.create_all(engine)
    return engine


def test_a_subject_gets_one_key_which_shredding_destroys_for_good(engine: sa.Engine) -> None:
    with Session(engine) as session, session.begin():
        first = KEYS.key_for(session, "user-1")
        assert KEYS.key_for(session, "user-1") == first
        assert KEYS.find_key(session, "user-1") == first
        assert KEYS.key_for(session, "user-2") != first

    with Session(engine) as session, session.begin():
        shredded_at = KEYS.shred(session, "user-1")
        assert KEYS.shred(session, "user-1") == shredded_at  # idempotent, first time kept

    with Session(engine) as session:
        assert KEYS.find_key(session, "user-1") is None
        with pytest.raises(SubjectShreddedError):
            KEYS.key_for(session, "user-1")
        assert KEYS.find_key(session, "user-2") is not None
        raw = session.execute(sa.text("SELECT data_key FROM postroom_subject_key")).scalars()
        assert first not in {bytes(k) for k in raw if k is not None}


def test_shredding_a_subject_without_a_key_still_refuses_one_later(engine: sa.Engine) -> None:
    with Session(engine) as session, session.begin():
        KEYS.shred(session, "never-sealed")
    with Session(engine) as session, pytest.raises(SubjectShreddedError):
        KEYS.key_for(session, "never-sealed")


@pytest.mark.parametrize("subject", ["", "   ", None, "x" * 2000])
def test_bad_subjects_are_refused(engine: sa.Engine, subject: object) -> None:
    with Session(engine) as session, pytest.raises(ConfigurationError):
        KEYS.key_for(session, subject)  # type: ignore[arg-type]


def test_retention_hands_expired_rows_over_then_deletes_only_them(engine: sa.Engine) -> None:
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(
            reading.insert(),
            [{"id": day, "taken_at": now - timedelta(days=day)} for day in range(1, 11)],
        )
    policy = RetentionPolicy(
        table=reading, column="taken_at", older_than=timedelta(days=7, hours=12), batch_size=2
    )
    announced: list[int] = []

    def announce(session: Session, rows: Sequence[sa.Row[Any]]) -> None:
        announced.extend(row.id for row in rows)

    counts = []
    while True:
        with Session(engine) as session, session.begin():
            counts.append(expire(session, policy, announce))
        if counts[-1] == 0:
            break

    assert counts == [2, 1, 0] and sorted(announced) == [8, 9, 10]
    with engine.connect() as connection:
        left = connection.execute(sa.select(reading.c.id).order_by(reading.c.id)).scalars()
        assert list(left) == list(range(1, 8))


def test_two_runners_never_take_the_same_rows(engine: sa.Engine) -> None:
    old = datetime.now(UTC) - timedelta(days=30)
    with engine.begin() as connection:
        connection.execute(reading.insert(), [{"id": i, "taken_at": old} for i in range(4)])
    policy = RetentionPolicy(
        table=reading, column="taken_at", older_than=timedelta(days=1), batch_size=2
    )
    seen: list[list[int]] = []

    def announce(session: Session, rows: Sequence[sa.Row[Any]]) -> None:
        seen.append([row.id for row in rows])

    with Session(engine) as first, first.begin(), Session(engine) as second, second.begin():
        expire(first, policy, announce)
        expire(second, policy, announce)  # the first one's rows are locked: skipped
    assert len(seen) == 2 and not set(seen[0]) & set(seen[1])


@pytest.mark.parametrize(
    "arguments",
    [
        {"column": "nope"},
        {"older_than": timedelta(0)},
        {"batch_size": 0},
    ],
)
def test_a_policy_is_checked_when_made(arguments: dict[str, Any]) -> None:
    settings: dict[str, Any] = {
        "table": reading,
        "column": "taken_at",
        "older_than": timedelta(days=1),
        **arguments,
    }
    with pytest.raises(ConfigurationError):
        RetentionPolicy(**settings)
