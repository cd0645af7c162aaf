"""The read side of Postroom: idempotent consumers that record every message id."""

from inbox._dead_letters import DEAD_LETTER_SUFFIX, DeadLetters
from inbox._message import InboxMessage, decode_record
from inbox._processor import InboxProcessor, Outcome
from inbox._registry import Handler, HandlerRegistry
from inbox._table import DEFAULT_INBOX_TABLE, inbox_table
from inbox._worker import InboxConfig, InboxWorker

__all__ = [
    "DEAD_LETTER_SUFFIX",
    "DEFAULT_INBOX_TABLE",
    "DeadLetters",
    "Handler",
    "HandlerRegistry",
    "InboxConfig",
    "InboxMessage",
    "InboxProcessor",
    "InboxWorker",
    "Outcome",
    "decode_record",
    "inbox_table",
]
