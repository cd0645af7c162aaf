"""The ``Event`` envelope: what a service publishes, validated once, when it is made."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from postroom.errors import InvalidEventError, PayloadTooLargeError
from postroom.outbox._payload import check_payload
from postroom.outbox._uuid7 import uuid7

__all__ = ["DEFAULT_MAX_PAYLOAD_BYTES", "Event"]

#: Kafka's default ``message.max.bytes`` is 1 MiB; leave room for key and headers.
DEFAULT_MAX_PAYLOAD_BYTES = 900 * 1024

# Aggregate types become part of a topic name (``outbox.event.<aggregatetype>``), so they
# must be legal in one: Kafka allows [a-zA-Z0-9._-], at most 249 characters.
_AGGREGATE_TYPE = re.compile(r"^[A-Za-z0-9._-]{1,200}$")
_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")
_MAX_TEXT = 1024
#: The outbox's ``schemaversion`` column is a PostgreSQL ``integer``.
MAX_SCHEMA_VERSION = 2**31 - 1
_SURROGATE = re.compile("[\ud800-\udfff]")


def _require_text(name: str, value: object, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, str) or not value.strip():
        raise InvalidEventError(f"{name} must be a non-empty string, got {value!r}")
    if len(value) > _MAX_TEXT:
        raise InvalidEventError(f"{name} is longer than {_MAX_TEXT} characters")
    if "\x00" in value or _SURROGATE.search(value):
        raise InvalidEventError(
            f"{name} contains a NUL character or a lone surrogate, which PostgreSQL refuses"
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """One fact a service tells the others, as it is written to the outbox.

    ``payload`` must be JSON-serialisable (``None`` publishes a tombstone), nest at most
    ``MAX_PAYLOAD_DEPTH`` deep, and hold no NUL character or lone surrogate. The envelope
    is validated when it is constructed, so ``publish()`` never writes a bad event; every
    refusal is an ``InvalidEventError`` naming the field.
    """

    aggregate_type: str
    aggregate_id: str
    type: str
    payload: Mapping[str, Any] | list[Any] | None
    id: uuid.UUID = field(default_factory=uuid7)
    timestamp: datetime = field(default_factory=lambda: datetime.now(UTC))
    schema_version: int = 1
    traceparent: str | None = None
    correlation_id: str | None = None
    causation_id: str | None = None
    subject_id: str | None = None
    tenant: str | None = None
    max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES
    payload_json: str | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.aggregate_type, str) or not _AGGREGATE_TYPE.match(
            self.aggregate_type
        ):
            raise InvalidEventError(
                "aggregate_type must be 1-200 characters of [A-Za-z0-9._-] "
                f"(it names a Kafka topic), got {self.aggregate_type!r}"
            )
        _require_text("aggregate_id", self.aggregate_id)
        _require_text("type", self.type)
        for name in ("correlation_id", "causation_id", "subject_id", "tenant"):
            _require_text(name, getattr(self, name), optional=True)
        if not isinstance(self.id, uuid.UUID):
            raise InvalidEventError(f"id must be a uuid.UUID, got {self.id!r}")
        if not isinstance(self.timestamp, datetime) or self.timestamp.tzinfo is None:
            raise InvalidEventError("timestamp must be a timezone-aware datetime")
        try:
            self.timestamp.astimezone(UTC)
        except OverflowError:
            raise InvalidEventError(
                f"timestamp {self.timestamp.isoformat()} is outside years 1-9999 in UTC"
            ) from None
        if isinstance(self.schema_version, bool) or not isinstance(self.schema_version, int):
            raise InvalidEventError(f"schema_version must be an int, got {self.schema_version!r}")
        if not 1 <= self.schema_version <= MAX_SCHEMA_VERSION:
            raise InvalidEventError(
                f"schema_version must be 1..{MAX_SCHEMA_VERSION} (an integer column), "
                f"got {self.schema_version}"
            )
        if isinstance(self.max_payload_bytes, bool) or not isinstance(self.max_payload_bytes, int):
            raise InvalidEventError(
                f"max_payload_bytes must be an int, got {self.max_payload_bytes!r}"
            )
        if self.max_payload_bytes < 1:
            raise InvalidEventError(f"max_payload_bytes must be >= 1, got {self.max_payload_bytes}")
        if self.traceparent is not None and (
            not isinstance(self.traceparent, str) or not _TRACEPARENT.match(self.traceparent)
        ):
            raise InvalidEventError(
                f"traceparent must be a W3C traceparent, got {self.traceparent!r}"
            )
        object.__setattr__(self, "payload_json", self._serialise_payload())

    def _serialise_payload(self) -> str | None:
        if self.payload is None:
            return None
        if not isinstance(self.payload, Mapping | list):
            raise InvalidEventError(
                f"payload must be a JSON object, a JSON array or None, "
                f"got {type(self.payload).__name__}"
            )
        check_payload(self.payload)
        try:
            # ensure_ascii=False: the size checked is the UTF-8 the relay sends (PostgreSQL
            # stores "😀", not its 12-byte escape, which made the limit 3-6x too strict).
            text = json.dumps(
                self.payload, allow_nan=False, ensure_ascii=False, separators=(",", ":")
            )
        except (TypeError, ValueError, RecursionError) as exc:
            raise InvalidEventError(f"payload is not JSON-serialisable: {exc}") from exc
        size = len(text.encode())
        if size > self.max_payload_bytes:
            raise PayloadTooLargeError(
                f"payload is {size} bytes, more than the maximum of {self.max_payload_bytes}"
            )
        return text
