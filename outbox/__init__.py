"""The write side of Postroom: the ``Event`` envelope, ``publish()``, and the outbox
settings each database records once (``OutboxRecord``)."""

from postroom.errors import (
    CaptureMissingError,
    InvalidEventError,
    OutboxConfigError,
    OutboxError,
    OutboxMismatchError,
    PayloadTooLargeError,
)
from postroom.outbox import wire
from postroom.outbox._capture import REQUIRE_CAPTURE_ENV
from postroom.outbox._event import DEFAULT_MAX_PAYLOAD_BYTES, Event
from postroom.outbox._modes import DEFAULT_MODE
from postroom.outbox._payload import MAX_PAYLOAD_DEPTH, check_payload
from postroom.outbox._publish import Outbox, OutboxMode, publish, publish_many
from postroom.outbox._record import (
    SETTINGS_TABLE,
    OutboxRecord,
    default_capture_name,
    outbox_settings_table,
    read_record,
    record_schemas,
)
from postroom.outbox._retained import (
    create_retained_partitions,
    drop_retained_partitions,
    maintain_retained_outbox,
)
from postroom.outbox._signer import EventSigner
from postroom.outbox._table import (
    DEFAULT_OUTBOX_TABLE,
    RETAINED_OUTBOX_TABLE,
    outbox_table,
    retained_outbox_table,
)
from postroom.outbox._uuid7 import uuid7

__all__ = [
    "DEFAULT_MAX_PAYLOAD_BYTES",
    "DEFAULT_MODE",
    "DEFAULT_OUTBOX_TABLE",
    "MAX_PAYLOAD_DEPTH",
    "REQUIRE_CAPTURE_ENV",
    "RETAINED_OUTBOX_TABLE",
    "SETTINGS_TABLE",
    "CaptureMissingError",
    "Event",
    "EventSigner",
    "InvalidEventError",
    "Outbox",
    "OutboxConfigError",
    "OutboxError",
    "OutboxMismatchError",
    "OutboxMode",
    "OutboxRecord",
    "PayloadTooLargeError",
    "check_payload",
    "create_retained_partitions",
    "default_capture_name",
    "drop_retained_partitions",
    "maintain_retained_outbox",
    "outbox_settings_table",
    "outbox_table",
    "publish",
    "publish_many",
    "read_record",
    "record_schemas",
    "retained_outbox_table",
    "uuid7",
    "wire",
]
