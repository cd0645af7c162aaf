"""The read side of Postroom: idempotent consumers that record every message id."""

from postroom.errors import (
    DeadLetterNotFoundError,
    InboxConfigError,
    InboxError,
    MalformedMessageError,
    OversizedMessageError,
    UndecodableMessageError,
    UnknownEventTypeError,
    UnknownSchemaVersionError,
)
from postroom.inbox._async_processor import AsyncInboxProcessor
from postroom.inbox._config import InboxConfig
from postroom.inbox._dead_letters import DEAD_LETTER_SUFFIX, DeadLetter, DeadLetters
from postroom.inbox._delivery import Failure, RetryPolicy
from postroom.inbox._message import InboxMessage, decode_record
from postroom.inbox._processor import InboxProcessor, Outcome
from postroom.inbox._registry import AsyncHandler, Handler, HandlerRegistry
from postroom.inbox._retention import InboxRetention, RetentionRun, retention_horizon
from postroom.inbox._retry_topic import RETRY_SUFFIX
from postroom.inbox._table import DEFAULT_INBOX_TABLE, inbox_table
from postroom.inbox._worker import InboxWorker

__all__ = [
    "DEAD_LETTER_SUFFIX",
    "DEFAULT_INBOX_TABLE",
    "RETRY_SUFFIX",
    "AsyncHandler",
    "AsyncInboxProcessor",
    "DeadLetter",
    "DeadLetterNotFoundError",
    "DeadLetters",
    "Failure",
    "Handler",
    "HandlerRegistry",
    "InboxConfig",
    "InboxConfigError",
    "InboxError",
    "InboxMessage",
    "InboxProcessor",
    "InboxRetention",
    "InboxWorker",
    "MalformedMessageError",
    "Outcome",
    "OversizedMessageError",
    "RetentionRun",
    "RetryPolicy",
    "UndecodableMessageError",
    "UnknownEventTypeError",
    "UnknownSchemaVersionError",
    "decode_record",
    "inbox_table",
    "retention_horizon",
]
