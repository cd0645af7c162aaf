"""The read side of Postroom: idempotent consumers that record every message id."""

from inbox._async_processor import AsyncInboxProcessor
from inbox._config import InboxConfig
from inbox._dead_letters import DEAD_LETTER_SUFFIX, DeadLetter, DeadLetters
from inbox._delivery import Failure, RetryPolicy
from inbox._errors import (
    DeadLetterNotFoundError,
    MalformedMessageError,
    OversizedMessageError,
    UnknownEventTypeError,
    UnknownSchemaVersionError,
)
from inbox._message import InboxMessage, decode_record
from inbox._processor import InboxProcessor, Outcome
from inbox._registry import AsyncHandler, Handler, HandlerRegistry
from inbox._retention import InboxRetention, RetentionRun, retention_horizon
from inbox._retry_topic import RETRY_SUFFIX
from inbox._table import DEFAULT_INBOX_TABLE, inbox_table
from inbox._worker import InboxWorker

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
    "InboxMessage",
    "InboxProcessor",
    "InboxRetention",
    "InboxWorker",
    "MalformedMessageError",
    "Outcome",
    "OversizedMessageError",
    "RetentionRun",
    "RetryPolicy",
    "UnknownEventTypeError",
    "UnknownSchemaVersionError",
    "decode_record",
    "inbox_table",
    "retention_horizon",
]
