"""The read side of Postroom: idempotent consumers that record every message id."""

from postroom.errors import (
    BadSignatureError,
    DeadLetterNotFoundError,
    InboxConfigError,
    InboxError,
    MalformedMessageError,
    MissingSignatureError,
    OversizedMessageError,
    UndecodableMessageError,
    UnknownEventTypeError,
    UnknownSchemaVersionError,
)
from postroom.inbox._async_processor import AsyncInboxProcessor
from postroom.inbox._config import InboxConfig
from postroom.inbox._dead_letters import DEAD_LETTER_SUFFIX, DeadLetter, DeadLetters
from postroom.inbox._delivery import Failure, RetryPolicy, deliver
from postroom.inbox._dlq import dead_letter_topics, find_dead_letter, read_dead_letters, replay
from postroom.inbox._message import InboxMessage, decode_record
from postroom.inbox._processor import AfterCommit, InboxProcessor, Outcome
from postroom.inbox._registry import AsyncHandler, Handler, HandlerRegistry
from postroom.inbox._retention import InboxRetention, RetentionRun, retention_horizon
from postroom.inbox._retry_topic import (
    RETRY_SUFFIX,
    RetryState,
    original_headers,
    retry_headers,
    retry_state,
)
from postroom.inbox._table import DEFAULT_INBOX_TABLE, inbox_table
from postroom.inbox._verifier import MessageVerifier
from postroom.inbox._worker import InboxWorker

__all__ = [
    "DEAD_LETTER_SUFFIX",
    "DEFAULT_INBOX_TABLE",
    "RETRY_SUFFIX",
    "AfterCommit",
    "AsyncHandler",
    "AsyncInboxProcessor",
    "BadSignatureError",
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
    "MessageVerifier",
    "MissingSignatureError",
    "Outcome",
    "OversizedMessageError",
    "RetentionRun",
    "RetryPolicy",
    "RetryState",
    "UndecodableMessageError",
    "UnknownEventTypeError",
    "UnknownSchemaVersionError",
    "dead_letter_topics",
    "decode_record",
    "deliver",
    "find_dead_letter",
    "inbox_table",
    "original_headers",
    "read_dead_letters",
    "replay",
    "retention_horizon",
    "retry_headers",
    "retry_state",
]
