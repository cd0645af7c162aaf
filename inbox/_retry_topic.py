"""The retry topic: a message that kept failing in place waits on ``<topic>.retry``.

The worker consumes ``<topic>.retry`` next to ``<topic>``. Each retry record is the
original record (key, value, headers) plus ``postroom.retry.*`` headers: when it may be
tried again (``not_before``, epoch ms), which round this is, the total attempts so far,
when it first failed, and where it was first read (original topic/partition/offset).
A record whose time has not come pauses *its* retry partition only (seek back + pause,
resumed when due); every other partition keeps flowing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

__all__ = [
    "RETRY_SUFFIX",
    "Origin",
    "RetryState",
    "original_headers",
    "retry_headers",
    "retry_state",
    "utf8_header",
]

RETRY_SUFFIX = ".retry"
PREFIX = "postroom."

NOT_BEFORE = "postroom.retry.not_before"
ROUND = "postroom.retry.round"
ATTEMPTS = "postroom.retry.attempts"
FIRST_FAILURE = "postroom.retry.first_failure"
TOPIC = "postroom.retry.topic"
PARTITION = "postroom.retry.partition"
OFFSET = "postroom.retry.offset"
REASON = "postroom.retry.reason"
ERROR = "postroom.retry.error"


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a message was first read."""

    topic: str
    partition: int
    offset: int


@dataclass(frozen=True, slots=True)
class RetryState:
    """What the ``postroom.retry.*`` headers of a record say (all zero for a first try)."""

    origin: Origin
    round: int
    attempts: int
    first_failure_ms: int | None
    not_before_ms: int


def utf8_header(value: object) -> bytes:
    """``value`` as header bytes. An error text may quote a payload holding a lone
    surrogate, which strict UTF-8 can't encode: it is escaped (``\\ud800``) rather than
    crash the worker that is parking the message, on every redelivery."""
    return str(value).encode(errors="backslashreplace")


def now_ms() -> int:
    return int(time.time() * 1000)


def _headers(record: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in record.headers or []:
        if name.startswith(PREFIX) and value is not None:
            out[name] = value.decode(errors="replace")
    return out


def retry_state(record: Any) -> RetryState:
    """The retry bookkeeping carried by ``record`` (defaults for a never-retried one)."""
    headers = _headers(record)
    try:
        origin = Origin(headers[TOPIC], int(headers[PARTITION]), int(headers[OFFSET]))
    except (KeyError, ValueError):
        origin = Origin(record.topic, record.partition, record.offset)

    def number(name: str, default: int) -> int:
        try:
            return int(headers[name])
        except (KeyError, ValueError):
            return default

    first = number(FIRST_FAILURE, -1)
    return RetryState(
        origin=origin,
        round=number(ROUND, 0),
        attempts=number(ATTEMPTS, 0),
        first_failure_ms=None if first < 0 else first,
        not_before_ms=number(NOT_BEFORE, 0),
    )


def original_headers(record: Any) -> list[tuple[str, bytes]]:
    """``record``'s headers without any ``postroom.*`` bookkeeping."""
    return [(n, v) for n, v in record.headers or [] if not n.startswith(PREFIX)]


def retry_headers(
    record: Any,
    state: RetryState | None = None,
    *,
    delay_s: float,
    attempts: int,
    reason: str,
    error: str,
) -> list[tuple[str, bytes]]:
    """Headers for the next retry round of ``record`` (``state``: its parsed headers)."""
    state = state or retry_state(record)
    now = now_ms()
    extra = {
        NOT_BEFORE: now + int(delay_s * 1000),
        ROUND: state.round + 1,
        ATTEMPTS: attempts,
        FIRST_FAILURE: state.first_failure_ms if state.first_failure_ms is not None else now,
        TOPIC: state.origin.topic,
        PARTITION: state.origin.partition,
        OFFSET: state.origin.offset,
        REASON: reason,
        ERROR: error[:2000],
    }
    return original_headers(record) + [(k, utf8_header(v)) for k, v in extra.items()]
