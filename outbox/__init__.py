"""The write side of Postroom: the ``Event`` envelope and ``publish()``."""

from outbox._errors import (
    BrokerUnavailableError,
    InboxError,
    InvalidEventError,
    PayloadTooLargeError,
    PostroomError,
    RelayError,
    StackError,
    UndecodableMessageError,
)
from outbox._event import DEFAULT_MAX_PAYLOAD_BYTES, Event
from outbox._publish import WAL_MESSAGE_PREFIX, Outbox, OutboxMode, format_timestamp, publish
from outbox._retained import (
    create_retained_partitions,
    drop_retained_partitions,
    maintain_retained_outbox,
)
from outbox._table import (
    DEFAULT_OUTBOX_TABLE,
    RETAINED_OUTBOX_TABLE,
    outbox_table,
    retained_outbox_table,
)
from outbox._uuid7 import uuid7

__all__ = [
    "DEFAULT_MAX_PAYLOAD_BYTES",
    "DEFAULT_OUTBOX_TABLE",
    "RETAINED_OUTBOX_TABLE",
    "WAL_MESSAGE_PREFIX",
    "BrokerUnavailableError",
    "Event",
    "InboxError",
    "InvalidEventError",
    "Outbox",
    "OutboxMode",
    "PayloadTooLargeError",
    "PostroomError",
    "RelayError",
    "StackError",
    "UndecodableMessageError",
    "create_retained_partitions",
    "drop_retained_partitions",
    "format_timestamp",
    "maintain_retained_outbox",
    "outbox_table",
    "publish",
    "retained_outbox_table",
    "uuid7",
]
