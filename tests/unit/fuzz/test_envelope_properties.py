"""Properties of the envelope and the wire format, over generated events: every event
that can be made survives the trip writer -> Kafka record -> ``decode_record`` unchanged,
and every event that can't travel is refused when it is made, with ``InvalidEventError``.

Run longer with ``HYPOTHESIS_PROFILE=long`` (see docs/testing.md).
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, NamedTuple

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from postroom.errors import InvalidEventError, PayloadTooLargeError
from postroom.inbox import decode_record
from postroom.outbox import MAX_PAYLOAD_DEPTH, Event, wire
from tests.unit.fuzz.strategies import (
    HOSTILE_SAMPLES,
    aggregate_types,
    events,
    field_text,
    json_values,
    travelling_text,
)

pytestmark = pytest.mark.fuzz


class Record(NamedTuple):
    """A Kafka record as kafka-python hands it to the inbox."""

    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]
    topic: str
    partition: int = 0
    offset: int = 0


def on_the_wire(event: Event) -> Record:
    """``event`` as the relay puts it on Kafka (see ``postroom.outbox.wire``)."""
    value = None if event.payload_json is None else event.payload_json.encode()
    return Record(
        event.aggregate_id.encode(),
        value,
        wire.event_headers(event),
        wire.topic_for(event.aggregate_type),
    )


@given(events())
def test_every_event_decodes_to_the_same_message(event: Event) -> None:
    message = decode_record(on_the_wire(event), max_bytes=2 * 1024 * 1024)

    assert message.id == event.id
    assert message.type == event.type
    assert message.key == event.aggregate_id
    assert message.payload == event.payload
    assert message.timestamp == event.timestamp
    assert message.schema_version == event.schema_version
    assert message.traceparent == event.traceparent
    assert message.topic == f"outbox.event.{event.aggregate_type}"
    for header, value in [
        ("correlationId", event.correlation_id),
        ("causationId", event.causation_id),
        ("subjectId", event.subject_id),
        ("tenant", event.tenant),
    ]:
        assert message.headers.get(header) == value


@given(st.datetimes(timezones=st.timezones() | st.just(UTC)))
def test_a_timestamp_is_refused_when_made_or_survives_the_wire(moment: datetime) -> None:
    try:
        event = Event(aggregate_type="t", aggregate_id="a", type="T", payload={}, timestamp=moment)
    except InvalidEventError:
        return
    # In UTC: Python never calls a time in a DST fold equal to one in another zone.
    assert wire.parse_timestamp(wire.format_timestamp(event.timestamp)) == moment.astimezone(UTC)


@given(events())
def test_the_outbox_row_and_the_headers_agree(event: Event) -> None:
    row = wire.event_row(event)
    assert tuple(row) == wire.ENVELOPE_FIELDS
    headers = dict(wire.event_headers(event))
    assert headers[wire.ID_HEADER] == str(event.id).encode()
    for column, header in wire.HEADER_FIELDS.items():
        if row[column] is None:
            assert header not in headers
        elif column != "timestamp":
            assert headers[header] == str(row[column]).encode()


TEXT_FIELDS = ["aggregate_id", "type", "correlation_id", "causation_id", "subject_id", "tenant"]


def event_with(**changes: Any) -> Event:
    fields: dict[str, Any] = {
        "aggregate_type": "user",
        "aggregate_id": "42",
        "type": "UserRegistered",
        "payload": {},
    }
    return Event(**(fields | changes))


@pytest.mark.parametrize("name", TEXT_FIELDS)
@given(
    text=travelling_text,
    cut=st.integers(min_value=0, max_value=50),
    bad=st.sampled_from(["\x00", "\ud800", "\udfff", "\udc80"]),
)
def test_nul_or_a_lone_surrogate_anywhere_in_a_field_is_refused(
    name: str, text: str, cut: int, bad: str
) -> None:
    cut = min(cut, len(text))
    with pytest.raises(InvalidEventError, match=name):
        event_with(**{name: text[:cut] + bad + text[cut:]})


@given(
    st.dictionaries(travelling_text, json_values(), min_size=1, max_size=4),
    st.sampled_from(["\x00", "\ud800", "\udbff"]),
    st.booleans(),
)
def test_nul_or_a_lone_surrogate_anywhere_in_a_payload_is_refused(
    payload: dict[str, Any], bad: str, in_key: bool
) -> None:
    key = next(iter(payload))
    poisoned = {f"{key}{bad}": 1} if in_key else {key: {"deep": [f"x{bad}"]}}
    with pytest.raises(InvalidEventError, match="payload"):
        event_with(payload=payload | poisoned)


@pytest.mark.parametrize("name", TEXT_FIELDS)
def test_text_fields_take_1024_characters_and_no_more(name: str) -> None:
    astral = "\U0001f600" * 1024  # 1024 characters, 4096 UTF-8 bytes
    assert getattr(event_with(**{name: astral}), name) == astral
    with pytest.raises(InvalidEventError, match="longer than 1024"):
        event_with(**{name: astral + "x"})


@given(st.integers(min_value=2, max_value=4096), st.sampled_from(HOSTILE_SAMPLES))
def test_a_payload_at_the_limit_passes_and_one_byte_more_is_refused(limit: int, text: str) -> None:
    """The limit counts UTF-8 bytes of the serialised payload, whatever the script."""
    payload = {"t": text}
    size = len(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode())
    assume(size <= limit)
    padded = {"t": text, "p": "x" * max(0, limit - size - len(',"p":""'))}
    exact = len(json.dumps(padded, ensure_ascii=False, separators=(",", ":")).encode())
    assume(exact == limit)
    assert event_with(payload=padded, max_payload_bytes=limit).payload == padded
    with pytest.raises(PayloadTooLargeError, match=f"more than the maximum of {limit - 1}"):
        event_with(payload=padded, max_payload_bytes=limit - 1)


def nested(depth: int, leaf: Any = 1) -> Any:
    """Objects and arrays ``depth`` levels deep around ``leaf``."""
    value = leaf
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


@pytest.mark.parametrize("container", [dict, list])
def test_payloads_nest_to_the_limit_and_no_deeper(container: type) -> None:
    deepest = nested(MAX_PAYLOAD_DEPTH)
    top = {"k": deepest} if container is dict else [deepest]
    with pytest.raises(InvalidEventError, match="deeper than 100"):
        event_with(payload=top)
    assert event_with(payload=nested(MAX_PAYLOAD_DEPTH)).payload is not None
    with pytest.raises(InvalidEventError, match="deeper than 100"):
        event_with(payload=nested(100_000))


@pytest.mark.parametrize(
    "value",
    [
        float("nan"),
        float("inf"),
        10**5000,  # longer than Python converts to text
        b"bytes",
        {1, 2},
        object(),
        uuid.uuid4(),
        datetime.now(UTC),
    ],
    ids=["nan", "inf", "huge-int", "bytes", "set", "object", "uuid", "datetime"],
)
def test_values_json_can_not_carry_are_refused_not_crashed_on(value: object) -> None:
    with pytest.raises(InvalidEventError, match="payload"):
        event_with(payload={"v": value})


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"aggregate_type": "has space"}, "aggregate_type"),
        ({"aggregate_type": "x" * 201}, "aggregate_type"),
        ({"aggregate_type": "ünïcode"}, "aggregate_type"),
        ({"aggregate_id": 42}, "aggregate_id"),
        ({"type": None}, "type"),
        ({"type": "   "}, "type"),
        ({"payload": "a string"}, "payload"),
        ({"payload": 42}, "payload"),
        ({"id": "not-a-uuid"}, "id"),
        ({"timestamp": datetime(2026, 1, 1)}, "timezone-aware"),
        ({"schema_version": 0}, "schema_version"),
        ({"schema_version": True}, "schema_version"),
        ({"schema_version": 2**31}, "schema_version"),
        ({"schema_version": "1"}, "schema_version"),
        ({"traceparent": "00-zz"}, "traceparent"),
        ({"max_payload_bytes": 0}, "max_payload_bytes"),
        ({"tenant": ["a"]}, "tenant"),
    ],
)
def test_wrong_types_and_values_are_one_clear_error(
    changes: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(InvalidEventError, match=complaint):
        event_with(**changes)


@given(aggregate_types)
def test_every_legal_aggregate_type_names_a_legal_topic(aggregate_type: str) -> None:
    topic = wire.topic_for(event_with(aggregate_type=aggregate_type).aggregate_type)
    assert len(topic) <= 249
    assert topic not in {".", ".."}


@given(field_text, st.integers(min_value=-23 * 60, max_value=23 * 60))
def test_timestamps_keep_the_instant_in_any_zone(text: str, minutes: int) -> None:
    moment = datetime(2026, 11, 24, 1, 2, 3, 456789, tzinfo=timezone(timedelta(minutes=minutes)))
    event = event_with(aggregate_id=text, timestamp=moment)
    headers = dict(wire.event_headers(event))
    sent = headers[wire.TIMESTAMP_HEADER].decode()
    assert sent.endswith("Z")
    assert wire.parse_timestamp(sent) == moment


@pytest.mark.parametrize("character", ["é", "東", "\U0001f600"])
def test_the_payload_limit_counts_the_utf8_bytes_the_relay_sends(character: str) -> None:
    """Not the ``\\uXXXX`` escapes ``json.dumps`` writes by default (12 bytes for one
    emoji): PostgreSQL stores, and the relay sends, the UTF-8 text."""
    payload = {"t": character * 1000}
    utf8 = len(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode())
    assert event_with(payload=payload, max_payload_bytes=utf8).payload == payload
    with pytest.raises(PayloadTooLargeError):
        event_with(payload=payload, max_payload_bytes=utf8 - 1)
