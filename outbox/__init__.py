"""The write side of Postroom: the ``Event`` envelope and ``publish()``."""

from postroom.errors import (
    CaptureMissingError,
    InvalidEventError,
    OutboxConfigError,
    OutboxError,
    PayloadTooLargeError,
)
from postroom.outbox import wire
from postroom.outbox._event import DEFAULT_MAX_PAYLOAD_BYTES, Event
from postroom.outbox._publish import Outbox, OutboxMode, publish
from postroom.outbox._retained import (
    create_retained_partitions,
    drop_retained_partitions,
    maintain_retained_outbox,
)
from postroom.outbox._table import (
    DEFAULT_OUTBOX_TABLE,
    RETAINED_OUTBOX_TABLE,
    outbox_table,
    retained_outbox_table,
)
from postroom.outbox._uuid7 import uuid7

__all__ = [
    "DEFAULT_MAX_PAYLOAD_BYTES",
    "DEFAULT_OUTBOX_TABLE",
    "RETAINED_OUTBOX_TABLE",
    "CaptureMissingError",
    "Event",
    "InvalidEventError",
    "Outbox",
    "OutboxConfigError",
    "OutboxError",
    "OutboxMode",
    "PayloadTooLargeError",
    "create_retained_partitions",
    "drop_retained_partitions",
    "maintain_retained_outbox",
    "outbox_table",
    "publish",
    "retained_outbox_table",
    "uuid7",
    "wire",
]
