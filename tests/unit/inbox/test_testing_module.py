"""``inbox.testing`` is public API: a sorted, importable ``__all__``, and records shaped
exactly like the relay's."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from postroom.inbox import HandlerRegistry, decode_record, testing
from postroom.inbox.testing import MemoryInbox, record_for
from postroom.outbox import Event


def test_all_is_sorted_and_every_name_exists() -> None:
    exported = testing.__all__
    assert exported == sorted(exported, key=lambda n: (not n.isupper(), n))
    for name in exported:
        assert hasattr(testing, name)


def test_an_event_becomes_a_record_shaped_like_the_relays() -> None:
    event = Event(
        aggregate_type="user",
        aggregate_id="u-1",
        type="UserRegistered",
        payload={"email": "a@example.com"},
        schema_version=2,
        traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        subject_id="u-1",
    )
    record = record_for(event)
    headers = dict(record.headers)
    assert (record.topic, record.key) == ("outbox.event.user", b"u-1")
    assert json.loads(record.value or b"") == {"email": "a@example.com"}
    assert headers["eventType"] == b"UserRegistered"
    assert headers["schemaVersion"] == b"2"
    assert headers["subjectId"] == b"u-1"
    message = decode_record(record)
    assert (message.id, message.schema_version, message.timestamp) == (event.id, 2, event.timestamp)
    assert message.traceparent == event.traceparent


def test_publishing_something_else_than_an_event_is_refused() -> None:
    with pytest.raises(TypeError, match=r"outbox\.Event"):
        record_for({"type": "X"})  # type: ignore[arg-type]


def test_copies_must_be_positive() -> None:
    never_connected = sa.create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    memory = MemoryInbox(HandlerRegistry(), never_connected)
    event = Event(aggregate_type="a", aggregate_id="1", type="T", payload={})
    with pytest.raises(ValueError, match="copies"):
        memory.publish(event, copies=0)
