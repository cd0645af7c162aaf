"""``InboxMessage``: a Kafka record decoded into what a handler needs, or a clear refusal."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from postroom.errors import MalformedMessageError, OversizedMessageError
from postroom.outbox import wire

__all__ = ["DEFAULT_MAX_MESSAGE_BYTES", "InboxMessage", "decode_record"]

DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024


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


def decode_record(record: Any, *, max_bytes: int = DEFAULT_MAX_MESSAGE_BYTES) -> InboxMessage:
    """Decode a kafka-python ``ConsumerRecord``; raise ``UndecodableMessageError`` if it
    can never be handled: ``OversizedMessageError`` if too big, ``MalformedMessageError``
    for no/invalid ``id`` header, no ``eventType``, a bad ``schemaVersion`` or bad JSON."""
    if max_bytes < 1:
        raise ValueError(f"max_bytes must be >= 1, got {max_bytes}")
    size = len(record.value or b"") + len(record.key or b"")
    if size > max_bytes:
        raise OversizedMessageError(f"message is {size} bytes, more than {max_bytes}")
    try:
        headers = {name: value.decode() for name, value in record.headers or []}
    except UnicodeDecodeError as exc:
        raise MalformedMessageError(f"a header is not UTF-8: {exc}") from exc
    raw_id = headers.get(wire.ID_HEADER)
    if raw_id is None:
        raise MalformedMessageError(f"message has no {wire.ID_HEADER!r} header")
    try:
        message_id = uuid.UUID(raw_id)
    except ValueError as exc:
        raise MalformedMessageError(f"'id' header is not a UUID: {raw_id!r}") from exc
    event_type = headers.get(wire.EVENT_TYPE_HEADER)
    if not event_type:
        raise MalformedMessageError(f"message has no {wire.EVENT_TYPE_HEADER!r} header")
    raw_version = headers.get(wire.SCHEMA_VERSION_HEADER)
    if raw_version is not None and not raw_version.isdigit():
        raise MalformedMessageError(f"'schemaVersion' header is not a number: {raw_version!r}")
    try:
        payload = None if record.value is None else json.loads(record.value)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedMessageError(f"payload is not JSON: {exc}") from exc
    return InboxMessage(
        id=message_id,
        type=event_type,
        key=record.key.decode(errors="replace") if record.key is not None else None,
        payload=payload,
        headers=headers,
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
    )
