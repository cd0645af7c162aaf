"""The Event envelope refuses bad input when it is made, before anything is written."""

from __future__ import annotations

import json
import math
import uuid
from datetime import datetime

import pytest

from postroom.errors import PostroomError
from postroom.outbox import (
    MAX_PAYLOAD_DEPTH,
    Event,
    InvalidEventError,
    PayloadTooLargeError,
    uuid7,
)


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


def nested(depth: int) -> dict[str, object]:
    payload: dict[str, object] = {}
    for _ in range(depth - 1):
        payload = {"p": payload}
    return payload


def test_a_payload_nested_10000_deep_is_refused_by_name_not_by_recursion() -> None:
    with pytest.raises(InvalidEventError, match=r"payload nests deeper than 100 levels at "):
        make(payload=nested(10_000))


def test_a_payload_at_the_depth_limit_passes_and_one_deeper_is_refused() -> None:
    assert make(payload=nested(MAX_PAYLOAD_DEPTH)).payload_json is not None
    with pytest.raises(InvalidEventError, match=r"at payload\['p'\]\['p'\]"):
        make(payload=nested(MAX_PAYLOAD_DEPTH + 1))


def test_a_deep_array_is_refused_too() -> None:
    deep: list[object] = []
    for _ in range(MAX_PAYLOAD_DEPTH + 5):
        deep = [deep]
    with pytest.raises(InvalidEventError, match="nests deeper"):
        make(payload=deep)


@pytest.mark.parametrize(
    "text",
    ["C:\\u0000dir", "\\u0000", "a\\\\u0000b", "\\x00"],
    ids=["windows-path", "escape-text", "two-backslashes", "hex-text"],
)
def test_text_that_only_looks_like_an_escaped_nul_passes(text: str) -> None:
    event = make(payload={"p": text})
    assert json.loads(event.payload_json or "") == {"p": text}


@pytest.mark.parametrize(
    ("payload", "where"),
    [
        ({"s": "\ud800"}, "payload['s']"),
        ({"list": ["ok", "x\udfffy"]}, "payload['list'][1]"),
        ({"\udc80": 1}, "the key '\\udc80' of payload"),
    ],
)
def test_a_lone_surrogate_is_refused_with_its_place(payload: object, where: str) -> None:
    with pytest.raises(InvalidEventError) as caught:
        make(payload=payload)
    assert str(caught.value).startswith(where)
    assert "lone surrogate" in str(caught.value)


def test_a_nul_deep_inside_is_named_with_its_place() -> None:
    with pytest.raises(InvalidEventError, match=r"payload\['a'\]\[0\]\['b'\] contains a NUL"):
        make(payload={"a": [{"b": "x\x00"}]})


def test_real_non_ascii_text_passes() -> None:
    event = make(payload={"name": "Zoë 😀 東京"})
    assert json.loads(event.payload_json or "") == {"name": "Zoë 😀 東京"}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("max_payload_bytes", "10", "max_payload_bytes must be an int, got '10'"),
        ("max_payload_bytes", 10.0, "max_payload_bytes must be an int"),
        ("max_payload_bytes", True, "max_payload_bytes must be an int"),
        ("max_payload_bytes", 0, "max_payload_bytes must be >= 1"),
        ("schema_version", "2", "schema_version must be an int"),
        ("traceparent", 42, "traceparent must be a W3C traceparent"),
        ("timestamp", "2026-01-01T00:00:00Z", "timestamp must be a timezone-aware datetime"),
        ("id", "0190f1a2-0000-7000-8000-000000000000", "id must be a uuid.UUID"),
        ("tenant", 7, "tenant must be a non-empty string"),
        ("aggregate_id", "a\x00b", "aggregate_id contains a NUL character"),
        ("type", "\ud800", "type contains a NUL character or a lone surrogate"),
    ],
)
def test_an_option_of_the_wrong_type_is_refused_by_name(
    field: str, value: object, message: str
) -> None:
    with pytest.raises(InvalidEventError) as caught:
        make(**{field: value})
    assert str(caught.value).startswith(message)


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
