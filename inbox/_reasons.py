"""Dead-letter reasons: the short string a dead letter's ``reason`` header carries."""

from __future__ import annotations

__all__ = ["HANDLER_FAILED", "HANDLER_REJECTED", "reason_of"]

#: The reason of a handler that kept failing after every in-place and retry-topic attempt.
HANDLER_FAILED = "handler-failed"
#: The reason of a handler that raised a non-retriable ``PostroomError``.
HANDLER_REJECTED = "handler-rejected"


def reason_of(exc: BaseException) -> str:
    """The dead-letter reason for ``exc``: its class's ``reason``, else ``handler-failed``."""
    reason = getattr(type(exc), "reason", None)
    return reason if isinstance(reason, str) else HANDLER_FAILED
