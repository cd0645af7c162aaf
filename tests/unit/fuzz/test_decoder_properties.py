"""The inbox decoder over hostile records: whatever bytes a producer put on a topic,
``decode_record`` returns a message or raises ``UndecodableMessageError`` (a dead letter
with its reason), never anything else: any other exception would stop the worker on the
same record after every restart."""

from __future__ import annotations

import uuid
from typing import Any, NamedTuple

import pytest
from hypothesis import given
from hypothesis import strategies as st

from postroom.errors import MalformedMessageError, OversizedMessageError, UndecodableMessageError
from postroom.inbox import InboxMessage, decode_record
from tests.unit.fuzz.strategies import HOSTILE_SAMPLES

pytestmark = pytest.mark.fuzz


class Record(NamedTuple):
    key: Any
    value: Any
    headers: Any
    topic: str = "outbox.event.user"
    partition: int = 0
    offset: int = 0


GOOD = [("id", str(uuid.uuid4()).encode()), ("eventType", b"UserRegistered")]

header_names = st.sampled_from(
    ["id", "eventType", "schemaVersion", "timestamp", "traceparent", "tenant", "x"]
) | st.text(max_size=20)
header_values = (
    st.none()
    | st.binary(max_size=60)
    | st.sampled_from(
        [b"\xff\xfe", b"\xc0\x80", b"\xed\xa0\x80", "²".encode(), "١٢".encode(), b"9" * 5000]
    )
)
hostile_json = st.sampled_from(
    [
        b"[" * 100_000 + b"]" * 100_000,  # nesting deeper than any parser recurses
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        b"9" * 5000,  # a number longer than Python converts
        b'{"n": ' + b"1" * 10_000 + b"}",
        b"NaN",
        b'{"x": Infinity}',
        b'"\\ud800"',  # a lone surrogate, escaped
        b'{"\\udfff": 1}',
        b'{"a": "\\u0000"}',
        b"\xef\xbb\xbf{}",  # a UTF-8 byte order mark
        b"\xff\xfe{\x00}\x00",  # UTF-16
        b"{}" + b"\x00" * 10,
        b"",
        b"   ",
        b"1e999999",
        b"-0",
        b'{"a": 1, "a": 2}',
    ]
) | st.binary(max_size=200)


def decodes_or_refuses(record: Record) -> InboxMessage | None:
    try:
        return decode_record(record, max_bytes=1024 * 1024)
    except UndecodableMessageError as exc:
        reason = str(exc)
    assert reason, "a refusal names its reason"
    return None


@given(
    key=st.none() | st.binary(max_size=40),
    value=st.none() | hostile_json,
    headers=st.lists(st.tuples(header_names, header_values), max_size=8),
    keep_good=st.booleans(),
)
def test_any_record_decodes_or_is_refused_with_a_reason(
    key: bytes | None, value: bytes | None, headers: list[Any], keep_good: bool
) -> None:
    decodes_or_refuses(Record(key, value, (GOOD if keep_good else []) + headers))


@given(value=hostile_json)
def test_any_value_behind_good_headers_decodes_or_is_malformed(value: bytes) -> None:
    try:
        message = decode_record(Record(b"k", value, GOOD))
    except MalformedMessageError as exc:
        reason = str(exc)
    else:
        assert message.id == uuid.UUID(GOOD[0][1].decode())
        return
    assert "payload" in reason


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested too deep"),
        (b"[" * 201 + b"]" * 201, "deeper than 200"),
        (b"9" * 5000, "payload is not JSON"),
        (b'{"x": NaN}', "NaN is not a JSON number"),
        (b'{"x": -Infinity}', "-Infinity is not a JSON number"),
        (b'{"x": "\\ud800"}', "lone surrogate"),
        (b'{"\\udfff": 1}', "lone surrogate"),
        (b'"\\ud800"', "lone surrogate"),
        (b'{"x": "a\\u0000b"}', "NUL"),
        (b"\xff\xfe{\x00}\x00", "payload is not JSON"),
    ],
)
def test_each_kind_of_hostile_payload_names_its_problem(value: bytes, reason: str) -> None:
    with pytest.raises(MalformedMessageError, match=reason):
        decode_record(Record(b"k", value, GOOD))


@pytest.mark.parametrize("text", HOSTILE_SAMPLES)
def test_hostile_but_valid_text_arrives_unchanged(text: str) -> None:
    import json

    value = json.dumps({"name": text, "sql": "' OR 1=1 --"}).encode()
    headers = [*GOOD, ("tenant", text.encode())]
    message = decode_record(Record(text.encode(), value, headers))
    assert message.payload == {"name": text, "sql": "' OR 1=1 --"}
    assert message.key == text
    assert message.headers["tenant"] == text


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        (Record(b"k", "a str, not bytes", GOOD), "the value is str"),
        (Record(42, b"{}", GOOD), "the key is int"),
        (Record(b"k", b"{}", [("id", "text, not bytes")]), "header 'id' is str"),
        (Record(b"k", b"{}", [(b"id", b"x")]), "header name is not text"),
        (Record(b"k", b"{}", [("id",)]), "not a \\(name, value\\) pair"),
        (Record(b"k", b"{}", 42), "headers are int, not a list"),
        (Record(b"k", b"{}", [*GOOD, ("schemaVersion", "²".encode())]), "schemaVersion"),
        (Record(b"k", b"{}", [*GOOD, ("schemaVersion", b"9" * 5000)]), "schemaVersion"),
        (Record(b"k", b"{}", [*GOOD, ("schemaVersion", b"-1")]), "schemaVersion"),
        (Record(b"k", b"{}", [*GOOD, ("timestamp", b"yesterday")]), "'timestamp' header"),
        (Record(b"k", b"{}", [("id", b"\xff"), *GOOD[1:]]), "header 'id' is not UTF-8"),
        (Record(b"k", b"{}", [("id", b"{" + b"0" * 10_000 + b"}"), *GOOD[1:]]), "not a UUID"),
        (Record(b"k", b"{}", [GOOD[0], ("eventType", b"")]), "no 'eventType'"),
    ],
)
def test_wrong_types_and_encodings_are_malformed(record: Record, reason: str) -> None:
    with pytest.raises(MalformedMessageError, match=reason):
        decode_record(record)


@given(st.integers(min_value=1, max_value=4096))
def test_a_record_at_the_limit_decodes_and_one_byte_more_is_oversized(limit: int) -> None:
    key = b"k"
    value = b'"' + b"x" * max(0, limit - len(key) - 2) + b'"'
    if len(key) + len(value) != limit:
        return  # too small a limit for a key and a JSON string
    assert decode_record(Record(key, value, GOOD), max_bytes=limit).payload == "x" * (limit - 3)
    with pytest.raises(OversizedMessageError, match=f"more than {limit - 1}"):
        decode_record(Record(key, value, GOOD), max_bytes=limit - 1)


@pytest.mark.parametrize("error", ["quoting \ud800 from a payload", "\udcff", "plain"])
def test_side_topic_headers_carry_any_error_text(error: str) -> None:
    """A handler's error may quote text with a lone surrogate; parking the message must
    not fail on it (the worker would stop on the same record after every restart)."""
    from postroom.inbox import retry_headers

    headers = dict(
        retry_headers(
            Record(b"k", b"{}", GOOD), delay_s=1, attempts=3, reason="handler-failed", error=error
        )
    )
    assert headers["postroom.retry.error"] == error.encode(errors="backslashreplace")
    assert headers["postroom.retry.error"].decode()  # valid UTF-8
