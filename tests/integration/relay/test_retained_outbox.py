"""``retain`` mode keeps rows in daily partitions that leave by DROP, never by DELETE."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from postroom.cli import main
from postroom.outbox import (
    Event,
    Outbox,
    OutboxConfigError,
    create_retained_partitions,
    maintain_retained_outbox,
)

MakeDatabase = Callable[..., tuple[str, sa.Engine]]


def event_at(moment: datetime) -> Event:
    return Event(
        aggregate_type="audit", aggregate_id="a-1", type="Audited", payload={}, timestamp=moment
    )


def partitions(engine: sa.Engine) -> set[str]:
    with engine.connect() as connection:
        return set(
            connection.execute(
                sa.text(
                    "SELECT inhrelid::regclass::text FROM pg_inherits "
                    "WHERE inhparent = 'outbox_retained'::regclass"
                )
            ).scalars()
        )


def test_published_rows_are_kept_in_the_partition_of_their_day(new_database: MakeDatabase) -> None:
    _, engine = new_database("retain", mode="retain")
    moment = datetime.now(UTC)
    with Session(engine) as session, session.begin():
        Outbox(mode="retain").publish(session, event_at(moment))

    with engine.connect() as connection:
        where = connection.execute(
            sa.text("SELECT tableoid::regclass::text FROM outbox_retained")
        ).scalar_one()
    assert where == f"outbox_retained_p{moment:%Y%m%d}"


def test_maintenance_drops_whole_old_days_and_keeps_the_rest(new_database: MakeDatabase) -> None:
    _, engine = new_database("retain", mode="retain")
    old_day = date(2026, 1, 10)
    with engine.begin() as connection:
        create_retained_partitions(connection, start=old_day, days=2)
    with Session(engine) as session, session.begin():
        outbox = Outbox(mode="retain")
        outbox.publish(session, event_at(datetime(2026, 1, 10, 12, tzinfo=UTC)))
        outbox.publish(session, event_at(datetime(2026, 1, 11, 12, tzinfo=UTC)))
        outbox.publish(session, event_at(datetime.now(UTC)))

    with engine.begin() as connection:
        _, dropped = maintain_retained_outbox(
            connection, retention=timedelta(days=1), now=datetime(2026, 1, 12, 6, tzinfo=UTC)
        )

    assert dropped == ["outbox_retained_p20260110"]
    assert "outbox_retained_default" in partitions(engine)
    with engine.connect() as connection:
        days = connection.execute(
            sa.text("SELECT date(timestamp AT TIME ZONE 'UTC') FROM outbox_retained ORDER BY 1")
        ).scalars()
        assert [str(day) for day in days] == ["2026-01-11", str(datetime.now(UTC).date())]


def test_maintenance_refuses_a_non_positive_retention(new_database: MakeDatabase) -> None:
    _, engine = new_database("retain", mode="retain")
    with engine.begin() as connection, pytest.raises(OutboxConfigError, match="retention"):
        maintain_retained_outbox(connection, retention=timedelta(0))


def test_an_unknown_mode_is_refused() -> None:
    with pytest.raises(OutboxConfigError, match="mode must be one of table, retain, wal-message"):
        Outbox(mode="queue")  # type: ignore[arg-type]


def test_retain_maintain_command_prepares_the_coming_days(
    new_database: MakeDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    url, engine = new_database("retain", mode="retain")
    ahead = (datetime.now(UTC) + timedelta(days=9)).date()

    code = main(["retain", "maintain", "--database-url", url, "--days-ahead", "10", "--json"])

    assert code == 0
    result = json.loads(capsys.readouterr().out)
    today = datetime.now(UTC).date()
    # the migration prepared today and the 6 days after; the command adds days 7 to 9
    assert result["created"] == [
        f"outbox_retained_p{today + timedelta(days=n):%Y%m%d}" for n in (7, 8, 9)
    ]
    assert f"outbox_retained_p{ahead:%Y%m%d}" in partitions(engine)
    assert result["dropped"] == []


def test_retain_maintain_refuses_a_non_positive_retention(
    new_database: MakeDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    url, _ = new_database("retain", mode="retain")

    with pytest.raises(SystemExit) as refused:  # at parse time, before any connection
        main(["retain", "maintain", "--database-url", url, "--retention-days", "0"])

    assert refused.value.code == 2
    assert "--retention-days: must be > 0" in capsys.readouterr().err
