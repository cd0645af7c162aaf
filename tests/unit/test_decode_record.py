"""Kafka records become InboxMessages, or a clear UndecodableMessageError."""

from __future__ import annotations

import uuid
from typing import NamedTuple

import pytest

from postroom.errors import UndecodableMessageError
from postroom.inbox import decode_record


class Record(NamedTuple):
    """The fields of kafka-python's ConsumerRecord that decoding reads."""

    value: bytes | None
    headers: list[tuple[str, bytes]]
    key: bytes | None = b"agg-1"
    topic: str = "outbox.event.user"
    partition: int = 0
    offset: int = 7


MESSAGE_ID = uuid.uuid4()
GOOD_HEADERS = [
    ("id", str(MESSAGE_ID).encode()),
    ("eventType", b"UserRegistered"),
    ("timestamp", b"2026-11-23T10:37:48.696853Z"),
]


def test_a_routed_outbox_record_decodes() -> None:
    message = decode_record(Record(b'{"user_id": "1"}', GOOD_HEADERS))
    assert message.id == MESSAGE_ID
    assert message.type == "UserRegistered"
    assert message.key == "agg-1"
    assert message.payload == {"user_id": "1"}
    assert message.timestamp is not None and message.timestamp.year == 2026


def test_a_null_header_reads_as_an_absent_one() -> None:
    """Kafka Connect writes a header with a null value for each null outbox field."""
    with_nulls = [*GOOD_HEADERS, ("traceparent", None), ("schemaVersion", None)]

    message = decode_record(Record(b"{}", with_nulls))  # type: ignore[arg-type]

    assert message == decode_record(Record(b"{}", GOOD_HEADERS))
    assert message.traceparent is None


def test_a_tombstone_decodes_to_a_none_payload() -> None:
    assert decode_record(Record(None, GOOD_HEADERS)).payload is None


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        (Record(b"{not json", GOOD_HEADERS), "payload is not JSON"),
        (Record(b"{}", GOOD_HEADERS[1:]), "no 'id' header"),
        (Record(b"{}", [("id", b"nope"), *GOOD_HEADERS[1:]]), "'id' header is not a UUID"),
        (Record(b"{}", [GOOD_HEADERS[0]]), "no 'eventType' header"),
        (Record(b"{}", [*GOOD_HEADERS, ("bad", b"\xff")]), "not UTF-8"),
        (Record(b"x" * 2048, GOOD_HEADERS), "more than 1024"),
    ],
)
def test_bad_records_are_refused_with_a_reason(record: Record, reason: str) -> None:
    with pytest.raises(UndecodableMessageError, match=reason):
        decode_record(record, max_bytes=1024)
