"""The inbox's own errors, each naming the dead-letter reason it stands for.

They extend ``outbox._errors`` (the one Postroom tree) under ``InboxError``:

    InboxError
    ├── UndecodableMessageError
    │   ├── MalformedMessageError        reason "malformed"
    │   └── OversizedMessageError        reason "oversized"
    ├── UnknownEventTypeError            reason "unknown-event-type"
    ├── UnknownSchemaVersionError        reason "unknown-schema-version"
    └── DeadLetterNotFoundError          (``postroom dlq show/replay`` found nothing)
"""

from __future__ import annotations

from outbox._errors import InboxError, UndecodableMessageError

__all__ = [
    "DeadLetterNotFoundError",
    "MalformedMessageError",
    "OversizedMessageError",
    "UnknownEventTypeError",
    "UnknownSchemaVersionError",
    "reason_of",
]

#: The reason of a handler that kept failing after every in-place and retry-topic attempt.
HANDLER_FAILED = "handler-failed"
#: The reason of a handler that raised a non-retriable ``PostroomError``.
HANDLER_REJECTED = "handler-rejected"


class MalformedMessageError(UndecodableMessageError):
    """Bad JSON, a missing or invalid ``id``/``eventType`` header, a header not UTF-8."""

    reason = "malformed"


class OversizedMessageError(UndecodableMessageError):
    """A record larger than the consumer's ``max_message_bytes``."""

    reason = "oversized"


class UnknownEventTypeError(InboxError):
    """No handler for the event type, and the type is not declared ignored."""

    reason = "unknown-event-type"


class UnknownSchemaVersionError(InboxError):
    """A schema version newer than the handler's, or one no upcaster chain reaches."""

    reason = "unknown-schema-version"


class DeadLetterNotFoundError(InboxError):
    """No dead letter at the given topic/partition/offset."""


def reason_of(exc: BaseException) -> str:
    """The dead-letter reason for ``exc``: its class's ``reason``, else ``handler-failed``."""
    reason = getattr(type(exc), "reason", None)
    if isinstance(reason, str):
        return reason
    if isinstance(exc, UndecodableMessageError):
        return "undecodable"
    return HANDLER_FAILED
