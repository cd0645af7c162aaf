"""``publish()`` on real PostgreSQL with generated and hostile events: every event an
``Event`` accepts is stored exactly (``retain`` mode keeps the row to compare, the
``wal-message`` envelope is built by the same database), and wrong input is refused
before anything is written, the caller's transaction still usable."""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given
from sqlalchemy.orm import Session

from postroom import migrations
from postroom.devstack import EmbeddedStack
from postroom.outbox import DEFAULT_MAX_PAYLOAD_BYTES, Event, InvalidEventError, publish, wire
from tests.unit.fuzz.strategies import HOSTILE_SAMPLES, events

pytestmark = pytest.mark.fuzz


@pytest.fixture(scope="module")
def retained(stack: EmbeddedStack) -> Iterator[sa.Engine]:
    """One database in ``retain`` mode for the module (hypothesis runs many examples)."""
    url = stack.postgres.create_database("publish_hostile")
    migrations.upgrade(url, settings=migrations.MigrationSettings(mode="retain"))
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE business (note text)"))
    yield engine
    engine.dispose()


def as_json_numbers(text: str | None) -> Any:
    """JSON with every number as a ``Decimal``: jsonb keeps a number's value, not its
    spelling (a float written ``1e+16`` comes back as ``10000000000000000``)."""
    return None if text is None else json.loads(text, parse_float=Decimal, parse_int=Decimal)


def stored(engine: sa.Engine, event: Event) -> dict[str, Any]:
    with engine.connect() as connection:
        row = connection.execute(
            sa.text(
                "SELECT aggregatetype, aggregateid, type, payload::text AS payload, "
                "timestamp, schemaversion, tracingspancontext, correlationid, causationid, "
                "subjectid, tenant FROM outbox_retained WHERE id = :id"
            ),
            {"id": event.id},
        ).mappings()
        return dict(row.one())


@given(events())
def test_every_event_is_stored_as_it_was_made(retained: sa.Engine, event: Event) -> None:
    event = dataclasses.replace(event, id=uuid.uuid4())  # examples may repeat an id
    with Session(retained) as session, session.begin():
        publish(session, event)
    row = stored(retained, event)
    expected = wire.event_row(event)
    assert as_json_numbers(row.pop("payload")) == as_json_numbers(event.payload_json)
    for column, value in row.items():
        assert value == expected[column], column


def test_hostile_text_is_data_not_sql(retained: sa.Engine) -> None:
    events = [
        Event(
            aggregate_type="user", aggregate_id=text, type=text, payload={text: text}, tenant=text
        )
        for text in HOSTILE_SAMPLES
    ]
    with Session(retained) as session, session.begin():
        session.execute(sa.text("INSERT INTO business VALUES ('kept')"))
        for event in events:
            publish(session, event)
    for event, text in zip(events, HOSTILE_SAMPLES, strict=True):
        row = stored(retained, event)
        assert (row["aggregateid"], row["type"], row["tenant"]) == (text, text, text)
        assert json.loads(row["payload"]) == {text: text}
    with retained.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM business")).scalar_one() >= 1


def test_the_largest_and_deepest_payloads_an_event_takes_are_stored(retained: sa.Engine) -> None:
    deep: Any = "leaf"
    for _ in range(99):  # the payload object itself is level 1: 100 levels in all
        deep = {"k": deep}
    padding = DEFAULT_MAX_PAYLOAD_BYTES - len(json.dumps({"p": ""}, separators=(",", ":")))
    for payload in ({"k": deep}, {"p": "\U0001f600" * (padding // 4)}):
        event = Event(aggregate_type="user", aggregate_id="1", type="Big", payload=payload)
        with Session(retained) as session, session.begin():
            publish(session, event)
        assert json.loads(stored(retained, event)["payload"]) == payload


@pytest.mark.parametrize(
    "call",
    [
        lambda session: publish(session, {"aggregate_type": "user"}),  # a dict, not an Event
        lambda session: publish(session, None),
        lambda session: publish(
            "postgresql://not-a-session",
            Event(aggregate_type="user", aggregate_id="1", type="T", payload={}),
        ),
    ],
    ids=["dict", "none", "url-for-session"],
)
def test_wrong_types_to_publish_are_one_clear_error_and_nothing_is_written(
    retained: sa.Engine, call: Any
) -> None:
    with Session(retained) as session, session.begin():
        session.execute(sa.text("INSERT INTO business VALUES ('before')"))
        with pytest.raises(InvalidEventError, match="publish\\(\\) needs"):
            call(session)
        # The transaction is still usable: the refusal happened before any SQL.
        assert session.execute(sa.text("SELECT 1")).scalar_one() == 1
