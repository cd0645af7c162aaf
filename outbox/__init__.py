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
from outbox._publish import Outbox, publish
from outbox._table import DEFAULT_OUTBOX_TABLE, outbox_table
from outbox._uuid7 import uuid7

__all__ = [
    "DEFAULT_MAX_PAYLOAD_BYTES",
    "DEFAULT_OUTBOX_TABLE",
    "BrokerUnavailableError",
    "Event",
    "InboxError",
    "InvalidEventError",
    "Outbox",
    "PayloadTooLargeError",
    "PostroomError",
    "RelayError",
    "StackError",
    "UndecodableMessageError",
    "outbox_table",
    "publish",
    "uuid7",
]
