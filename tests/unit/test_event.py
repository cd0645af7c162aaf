"""The Event envelope refuses bad input when it is made, before anything is written."""

from __future__ import annotations

import math
import uuid
from datetime import datetime

import pytest

from postroom.errors import PostroomError
from postroom.outbox import Event, InvalidEventError, PayloadTooLargeError, uuid7


def make(**overrides: object) -> Event:
    fields: dict[str, object] = {
        "aggregate_type": "user",
        "aggregate_id": "42",
        "type": "UserRegistered",
        "payload": {"email": "a@example.com"},
    }
    fields.update(overrides)
    return Event(**fields)  # type: ignore[arg-type]


def test_a_valid_event_serialises_its_payload_once() -> None:
    event = make()
    assert event.payload_json == '{"email":"a@example.com"}'
    assert event.id.version == 7
    assert event.timestamp.tzinfo is not None


def test_a_none_payload_is_a_tombstone() -> None:
    assert make(payload=None).payload_json is None


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"when": datetime(2026, 1, 1)}, "not JSON-serialisable"),
        ({"n": math.nan}, "not JSON-serialisable"),
        ({"s": {1, 2}}, "not JSON-serialisable"),
        ("just a string", "payload must be a JSON object"),
        ({"nul": "a\x00b"}, "NUL character"),
    ],
)
def test_a_payload_that_is_not_json_is_refused(payload: object, reason: str) -> None:
    with pytest.raises(InvalidEventError, match=reason):
        make(payload=payload)


@pytest.mark.parametrize("aggregate_id", ["", "   ", None, 42])
def test_an_empty_aggregate_id_is_refused(aggregate_id: object) -> None:
    with pytest.raises(InvalidEventError, match="aggregate_id must be a non-empty string"):
        make(aggregate_id=aggregate_id)


@pytest.mark.parametrize("aggregate_type", ["", "user events", "user/1", "ü"])
def test_an_aggregate_type_must_be_usable_in_a_topic_name(aggregate_type: str) -> None:
    with pytest.raises(InvalidEventError, match="aggregate_type"):
        make(aggregate_type=aggregate_type)


def test_an_oversized_payload_is_refused_with_its_size() -> None:
    with pytest.raises(
        PayloadTooLargeError, match=r"payload is \d+ bytes, more than the maximum of 100"
    ):
        make(payload={"blob": "x" * 200}, max_payload_bytes=100)


def test_errors_are_postroom_errors_and_not_retriable() -> None:
    with pytest.raises(PostroomError) as caught:
        make(type="")
    assert caught.value.retriable is False


def test_a_naive_timestamp_and_a_bad_traceparent_are_refused() -> None:
    with pytest.raises(InvalidEventError, match="timezone-aware"):
        make(timestamp=datetime(2026, 1, 1))
    with pytest.raises(InvalidEventError, match="W3C traceparent"):
        make(traceparent="not-a-traceparent")


def test_uuid7_ids_increase_in_creation_order() -> None:
    ids = [uuid7() for _ in range(10_000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert all(
        isinstance(i, uuid.UUID) and i.version == 7 and i.variant == uuid.RFC_4122 for i in ids[:10]
    )
