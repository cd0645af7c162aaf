"""The wire format: what an event looks like on Kafka, owned here and nowhere else.

Writers (``publish``, the relay's connector configuration), readers (the inbox decoder,
``inbox.testing``, dead letters) and tools all take topic names, header names, the
timestamp format and the envelope fields from this module, so they cannot drift apart.

A record for an ``Event`` on Kafka:

- topic ``outbox.event.<aggregate_type>`` (``TOPIC_PREFIX`` + aggregate type);
- key: the aggregate id (UTF-8), so order is kept per aggregate;
- value: the payload as JSON (no value: a tombstone);
- headers, all UTF-8 text: ``id`` (the event id, the inbox's dedupe key), ``eventType``,
  ``timestamp`` (``format_timestamp``), ``schemaVersion``, and, when set,
  ``traceparent``, ``correlationId``, ``causationId``, ``subjectId``, ``tenant``.

A signed event (``Outbox(signer=...)``) also carries header ``signature``: the
base64 Ed25519 signature of ``signed_content`` (from the outbox column of the same name,
an extra header column the database is migrated with, see ``SIGNATURE_COLUMN``).

The outbox row (``table`` and ``retain`` modes) and the ``wal-message`` envelope carry the
same fields under the column names Debezium's outbox EventRouter expects by default.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from postroom.outbox._event import Event

__all__ = [
    "AGGREGATE_ID_COLUMN",
    "AGGREGATE_TYPE_COLUMN",
    "ENVELOPE_FIELDS",
    "EVENT_TYPE_HEADER",
    "HEADER_FIELDS",
    "ID_COLUMN",
    "ID_HEADER",
    "PAYLOAD_COLUMN",
    "SCHEMA_VERSION_HEADER",
    "SIGNATURE_COLUMN",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "TOPIC_PREFIX",
    "TRACEPARENT_HEADER",
    "WAL_MESSAGE_PREFIX",
    "event_headers",
    "event_row",
    "format_timestamp",
    "parse_timestamp",
    "signed_content",
    "topic_for",
]

#: Topics are named ``TOPIC_PREFIX + aggregate_type`` (the EventRouter's default).
TOPIC_PREFIX = "outbox.event."
#: The logical-decoding message prefix of ``wal-message`` mode.
WAL_MESSAGE_PREFIX = "outbox"

ID_COLUMN = "id"
AGGREGATE_TYPE_COLUMN = "aggregatetype"
AGGREGATE_ID_COLUMN = "aggregateid"
PAYLOAD_COLUMN = "payload"

ID_HEADER = "id"
EVENT_TYPE_HEADER = "eventType"
TIMESTAMP_HEADER = "timestamp"
SCHEMA_VERSION_HEADER = "schemaVersion"
TRACEPARENT_HEADER = "traceparent"
#: The outbox column holding a signed event's signature (an extra header column: migrate
#: with ``MigrationSettings(extra_header_columns={SIGNATURE_COLUMN: SIGNATURE_HEADER})``).
SIGNATURE_COLUMN = "signature"
SIGNATURE_HEADER = "signature"

#: Outbox column -> Kafka header, in header order (the EventRouter places the event id
#: as header ``id`` by itself). Consumers read these names: they are not configurable.
HEADER_FIELDS: Mapping[str, str] = MappingProxyType(
    {
        "type": EVENT_TYPE_HEADER,
        "timestamp": TIMESTAMP_HEADER,
        "schemaversion": SCHEMA_VERSION_HEADER,
        "tracingspancontext": TRACEPARENT_HEADER,
        "correlationid": "correlationId",
        "causationid": "causationId",
        "subjectid": "subjectId",
        "tenant": "tenant",
    }
)

#: Every field of the outbox row / ``wal-message`` envelope, in column order.
ENVELOPE_FIELDS = (
    ID_COLUMN,
    AGGREGATE_TYPE_COLUMN,
    AGGREGATE_ID_COLUMN,
    "type",
    PAYLOAD_COLUMN,
    "timestamp",
    "schemaversion",
    "tracingspancontext",
    "correlationid",
    "causationid",
    "subjectid",
    "tenant",
)


def topic_for(aggregate_type: str, *, prefix: str = TOPIC_PREFIX) -> str:
    """The topic events of ``aggregate_type`` are routed to."""
    return f"{prefix}{aggregate_type}"


def format_timestamp(moment: datetime) -> str:
    """``moment`` as Debezium renders a ``timestamptz``: UTC, ISO 8601, microseconds, ``Z``
    (``2026-11-23T10:00:00.120000Z``)."""
    # isoformat, not strftime("%Y"): that writes year 999 as "999", which no parser reads.
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def parse_timestamp(text: str) -> datetime:
    """The inverse of ``format_timestamp`` (also accepts any ISO 8601 offset)."""
    return datetime.fromisoformat(text)


def event_row(event: Event) -> dict[str, Any]:
    """``event`` as outbox column values (``payload`` as JSON text)."""
    return {
        ID_COLUMN: event.id,
        AGGREGATE_TYPE_COLUMN: event.aggregate_type,
        AGGREGATE_ID_COLUMN: event.aggregate_id,
        "type": event.type,
        PAYLOAD_COLUMN: event.payload_json,
        "timestamp": event.timestamp,
        "schemaversion": event.schema_version,
        "tracingspancontext": event.traceparent,
        "correlationid": event.correlation_id,
        "causationid": event.causation_id,
        "subjectid": event.subject_id,
        "tenant": event.tenant,
    }


def event_headers(event: Event) -> list[tuple[str, bytes]]:
    """The Kafka headers of ``event``'s record, in the relay's order, absent ones left out."""
    row = event_row(event)
    row["timestamp"] = format_timestamp(event.timestamp)
    headers = [(ID_HEADER, str(event.id).encode())]
    for column, header in HEADER_FIELDS.items():
        if row[column] is not None:
            headers.append((header, str(row[column]).encode()))
    return headers


def signed_content(
    event_id: uuid.UUID, event_type: str, key: str | None, schema_version: int, payload: object
) -> bytes:
    """The bytes a signature covers: id, type, key (aggregate id), schema version and the
    payload, as canonical JSON (sorted keys, no spaces, ASCII).

    Canonical rather than the bytes on the wire, because the relay re-serialises the
    payload (``jsonb`` orders keys its own way): the writer signs what it meant, the reader
    checks what it parsed. A float that ``jsonb`` rewrites (``1e20`` becomes an integer)
    reads back as another number and fails the check: sign integers, strings and plain
    decimals.
    """
    content = [1, str(event_id), event_type, key, schema_version, payload]
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()
