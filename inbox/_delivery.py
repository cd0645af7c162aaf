"""One delivery of one record: decode, then process with in-place retries, and say what
became of it. Kafka-free: the worker and ``inbox.testing`` both act on the verdict.

Failure policy, in order:

1. A record that can never be handled (undecodable, oversized, unknown event type,
   unknown schema version, or a handler raising a non-retriable ``PostroomError``) is a
   ``Failure`` with ``final=True``: straight to the dead letters, no retries.
2. Any other handler exception is retried in place, ``max_attempts`` times in all, with
   exponential backoff. If it still fails it is a ``Failure`` with ``final=False``: the
   worker moves it to the retry topic (or the dead letters when retry rounds are spent).
3. A database that stays unreachable is not the message's fault: ``InboxError``
   (retriable) propagates and the worker stops without committing the offset.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from postroom.errors import (
    InboxConfigError,
    InboxError,
    PostroomError,
    UndecodableMessageError,
    UnknownEventTypeError,
    UnknownSchemaVersionError,
)
from postroom.inbox._message import InboxMessage, decode_record
from postroom.inbox._processor import Outcome, Processor
from postroom.inbox._reasons import HANDLER_REJECTED
from postroom.inbox._reasons import reason_of as _reason_of
from postroom.inbox._verifier import MessageVerifier

__all__ = ["Failure", "RetryPolicy", "deliver"]

# Errors of the infrastructure rather than of the message: never dead-letter on these.
INFRASTRUCTURE_ERRORS = (sa.exc.OperationalError, sa.exc.InterfaceError)


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """How hard to try before giving a message up.

    ``max_attempts`` tries in place (backoff ``backoff_s * 2**n``, at most
    ``max_backoff_s``), then one round on the retry topic per entry of
    ``retry_delays_s`` (each the delay before that round), then the dead letters.
    """

    max_attempts: int = 3
    backoff_s: float = 0.05
    max_backoff_s: float = 2.0
    retry_delays_s: tuple[float, ...] = (1.0, 10.0)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise InboxConfigError(f"max_attempts must be >= 1, got {self.max_attempts}")
        if self.backoff_s < 0 or self.max_backoff_s < 0:
            raise InboxConfigError("backoff_s and max_backoff_s must be >= 0")
        if any(delay < 0 for delay in self.retry_delays_s):
            raise InboxConfigError(f"retry delays must be >= 0, got {self.retry_delays_s}")

    def backoff(self, attempt: int) -> float:
        return float(min(self.max_backoff_s, self.backoff_s * 2 ** (attempt - 1)))


@dataclass(frozen=True, slots=True)
class Failure:
    """A delivery that did not succeed: why, and whether trying later could help."""

    reason: str
    error: str
    exception: str
    attempts: int
    final: bool
    message: InboxMessage | None = None

    @classmethod
    def of(
        cls,
        exc: BaseException,
        attempts: int,
        *,
        final: bool,
        message: InboxMessage | None = None,
        reason: str | None = None,
    ) -> Failure:
        """The failure ``exc`` stands for (its dead-letter reason unless ``reason``)."""
        error = str(exc) if final else repr(exc)[:2000]
        return cls(reason or _reason_of(exc), error, type(exc).__name__, attempts, final, message)

    def retry_delay(self, round_: int, policy: RetryPolicy) -> float | None:
        """The settle policy, one place for the worker and ``inbox.testing``: the delay
        before retry round ``round_ + 1``, or ``None``: to the dead letters (a final
        failure, or every retry round spent)."""
        if self.final or round_ >= len(policy.retry_delays_s):
            return None
        return policy.retry_delays_s[round_]


def deliver(
    processor: Processor,
    record: Any,
    policy: RetryPolicy,
    *,
    max_bytes: int,
    previous_attempts: int = 0,
    sleep: Callable[[float], None] = time.sleep,
    verifier: MessageVerifier | None = None,
    origin_topic: str | None = None,
) -> Outcome | Failure:
    """Decode ``record`` (and, given a ``verifier``, check its signature as a record of
    ``origin_topic``) and process it, retrying in place; never raise for the message."""
    try:
        message = decode_record(record, max_bytes=max_bytes)
        if verifier is not None:
            verifier.verify(message, origin_topic or record.topic)
    except UndecodableMessageError as exc:
        return Failure.of(exc, previous_attempts + 1, final=True)
    return deliver_message(
        processor, message, policy, previous_attempts=previous_attempts, sleep=sleep
    )


def deliver_message(
    processor: Processor,
    message: InboxMessage,
    policy: RetryPolicy,
    *,
    previous_attempts: int = 0,
    sleep: Callable[[float], None] = time.sleep,
) -> Outcome | Failure:
    """Process a decoded ``message`` with in-place retries (see the module docstring)."""
    last: Exception | None = None
    for attempt in range(1, policy.max_attempts + 1):
        attempts = previous_attempts + attempt
        try:
            return processor.process(message)
        except (UnknownEventTypeError, UnknownSchemaVersionError) as exc:
            return Failure.of(exc, attempts, final=True, message=message)
        except PostroomError as exc:
            if not exc.retriable:
                return Failure.of(
                    exc, attempts, final=True, message=message, reason=HANDLER_REJECTED
                )
            last = exc
        except INFRASTRUCTURE_ERRORS as exc:
            if attempt == policy.max_attempts:
                raise InboxError(
                    f"database unavailable while handling {message.id}: {exc}", retriable=True
                ) from exc
            last = exc
        except Exception as exc:
            last = exc
        if attempt < policy.max_attempts:
            sleep(policy.backoff(attempt))
    assert last is not None
    return Failure.of(last, previous_attempts + policy.max_attempts, final=False, message=message)
