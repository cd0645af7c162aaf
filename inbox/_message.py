"""``InboxMessage``: a Kafka record decoded into what a handler needs, or a clear refusal."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from postroom.errors import (
    InboxConfigError,
    InvalidEventError,
    MalformedMessageError,
    OversizedMessageError,
)
from postroom.outbox import check_payload, wire

__all__ = ["DEFAULT_MAX_MESSAGE_BYTES", "InboxMessage", "decode_record"]

DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024
#: A decoded payload may nest this deep (a writer's ``Event`` refuses more than 100).
MAX_DECODED_DEPTH = 200
#: A schema version: ASCII digits, at most 10 (an ``integer`` column); isdigit() takes "²".
_VERSION = re.compile(r"[0-9]{1,10}")
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class InboxMessage:
    """One event as a consumer sees it."""

    id: uuid.UUID
    type: str
    key: str | None
    payload: Any
    headers: dict[str, str]
    topic: str
    partition: int
    offset: int

    @property
    def timestamp(self) -> datetime | None:
        """When the writer created the event (its ``timestamp`` header), if present."""
        raw = self.headers.get(wire.TIMESTAMP_HEADER)
        return wire.parse_timestamp(raw) if raw else None

    @property
    def traceparent(self) -> str | None:
        """The writer's W3C trace context, if it sent one."""
        return self.headers.get(wire.TRACEPARENT_HEADER)

    @property
    def schema_version(self) -> int:
        """The payload's schema version (``schemaVersion`` header; 1 when absent)."""
        raw = self.headers.get(wire.SCHEMA_VERSION_HEADER)
        if raw is None:
            return 1
        try:
            return int(raw)
        except ValueError:
            return -1


def _bytes_or_none(what: str, value: object) -> bytes | None:
    if value is None or isinstance(value, bytes):
        return value
    raise MalformedMessageError(f"{what} is {type(value).__name__}, not bytes")


def _headers(record: Any) -> dict[str, str]:
    """The record's headers as text; the last of a repeated name wins, as Kafka's do."""
    headers: dict[str, str] = {}
    entries = record.headers or []
    if not isinstance(entries, list | tuple):
        raise MalformedMessageError(f"headers are {type(entries).__name__}, not a list")
    for entry in entries:
        try:
            name, value = entry
        except (TypeError, ValueError):
            problem = f"a header is not a (name, value) pair: {entry!r}"
            raise MalformedMessageError(problem) from None
        if not isinstance(name, str):
            raise MalformedMessageError(f"a header name is not text: {name!r}")
        raw = _bytes_or_none(f"header {name!r}", value)
        if raw is None:
            continue  # Kafka Connect writes a null header for each null outbox field
        try:
            headers[name] = raw.decode()
        except UnicodeDecodeError as exc:
            raise MalformedMessageError(f"header {name!r} is not UTF-8: {exc}") from exc
    return headers


def _payload(value: bytes | None) -> Any:
    """The value as JSON. Refused, as ``MalformedMessageError`` naming why: bytes that are
    not UTF-8 (UTF-16 or a byte order mark included) or not JSON, nesting too deep for
    the parser (``RecursionError``) or deeper than ``MAX_DECODED_DEPTH``, a number too
    long to convert (``ValueError``), ``NaN``/``Infinity`` (not JSON), or a string holding
    a lone surrogate or NUL (``check_payload``: what no writer's ``Event`` could hold)."""
    if value is None:
        return None
    try:
        # Decoded here, not by json.loads: that would also take UTF-16/32 and a BOM.
        payload = json.loads(value.decode("utf-8"), parse_constant=_not_json)
    except RecursionError:
        raise MalformedMessageError("payload is not JSON: nested too deep to parse") from None
    except (UnicodeDecodeError, ValueError) as exc:  # JSONDecodeError is a ValueError
        raise MalformedMessageError(f"payload is not JSON: {exc}") from exc
    if isinstance(payload, dict | list):
        try:
            check_payload(payload, max_depth=MAX_DECODED_DEPTH)
        except InvalidEventError as exc:
            raise MalformedMessageError(str(exc)) from exc
    elif isinstance(payload, str) and _SURROGATE.search(payload):
        raise MalformedMessageError("payload is a string holding a lone surrogate")
    return payload


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not a JSON number")


def decode_record(record: Any, *, max_bytes: int = DEFAULT_MAX_MESSAGE_BYTES) -> InboxMessage:
    """Decode a kafka-python ``ConsumerRecord``; raise ``UndecodableMessageError`` if it
    can never be handled: ``OversizedMessageError`` if too big, ``MalformedMessageError``
    for no/invalid ``id`` header, no ``eventType``, a bad ``schemaVersion``, a header or
    key or value of the wrong type or encoding, or a value that is not JSON a handler can
    take (see ``_payload``). Never raises anything else for any record."""
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1:
        raise InboxConfigError(f"max_bytes must be an int >= 1, got {max_bytes!r}")
    value = _bytes_or_none("the value", record.value)
    key = _bytes_or_none("the key", record.key)
    size = len(value or b"") + len(key or b"")
    if size > max_bytes:
        raise OversizedMessageError(f"message is {size} bytes, more than {max_bytes}")
    headers = _headers(record)
    raw_id = headers.get(wire.ID_HEADER)
    if raw_id is None:
        raise MalformedMessageError(f"message has no {wire.ID_HEADER!r} header")
    try:
        message_id = uuid.UUID(raw_id)
    except ValueError as exc:
        raise MalformedMessageError(f"'id' header is not a UUID: {raw_id[:100]!r}") from exc
    event_type = headers.get(wire.EVENT_TYPE_HEADER)
    if not event_type:
        raise MalformedMessageError(f"message has no {wire.EVENT_TYPE_HEADER!r} header")
    raw_version = headers.get(wire.SCHEMA_VERSION_HEADER)
    if raw_version is not None and not _VERSION.fullmatch(raw_version):
        raise MalformedMessageError(
            f"'schemaVersion' header is not a number: {raw_version[:100]!r}"
        )
    raw_timestamp = headers.get(wire.TIMESTAMP_HEADER)
    if raw_timestamp:
        try:
            wire.parse_timestamp(raw_timestamp)
        except ValueError:
            raise MalformedMessageError(
                f"'timestamp' header is not an ISO 8601 time: {raw_timestamp[:100]!r}"
            ) from None
    return InboxMessage(
        id=message_id,
        type=event_type,
        key=key.decode(errors="replace") if key is not None else None,
        payload=_payload(value),
        headers=headers,
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
    )
