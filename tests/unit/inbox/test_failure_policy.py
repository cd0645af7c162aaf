"""What becomes of a failing message: retried in place, then later, then a dead letter."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, NamedTuple

import pytest
import sqlalchemy as sa

from postroom.errors import InboxError, PostroomError
from postroom.inbox import (
    AfterCommit,
    Failure,
    InboxConfig,
    InboxMessage,
    Outcome,
    RetryPolicy,
    UnknownSchemaVersionError,
    deliver,
    original_headers,
    retry_headers,
    retry_state,
)


class Record(NamedTuple):
    value: bytes | None
    headers: list[tuple[str, bytes]]
    key: bytes | None = b"k"
    topic: str = "outbox.event.order"
    partition: int = 2
    offset: int = 41


def good_record(**kw: Any) -> Record:
    headers = [("id", str(uuid.uuid4()).encode()), ("eventType", b"OrderPlaced")]
    return Record(b"{}", headers, **kw)


class ScriptedProcessor:
    """A processor that raises the scripted errors in turn, then handles (unit level)."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.calls = 0
        self._hooks: list[AfterCommit] = []

    @property
    def after_commit(self) -> list[AfterCommit]:
        return self._hooks

    def process(self, message: InboxMessage) -> Outcome:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return Outcome.HANDLED

    def process_batch(self, messages: Sequence[InboxMessage]) -> list[Outcome]:
        return [self.process(m) for m in messages]


POLICY = RetryPolicy(max_attempts=3, backoff_s=0.0)


def run(processor: ScriptedProcessor, record: Record | None = None, **kw: Any) -> Outcome | Failure:
    return deliver(
        processor, record or good_record(), POLICY, max_bytes=1000, sleep=lambda s: None, **kw
    )


def test_a_transient_failure_is_retried_in_place_and_succeeds() -> None:
    processor = ScriptedProcessor(RuntimeError("blip"), RuntimeError("blip"))
    assert run(processor) is Outcome.HANDLED
    assert processor.calls == 3


def test_a_handler_that_keeps_failing_is_a_non_final_failure_counting_attempts() -> None:
    verdict = run(ScriptedProcessor(*[RuntimeError("boom")] * 3), previous_attempts=3)
    assert isinstance(verdict, Failure)
    assert (verdict.reason, verdict.exception, verdict.attempts, verdict.final) == (
        "handler-failed",
        "RuntimeError",
        6,
        False,
    )


def test_a_non_retriable_postroom_error_is_rejected_at_once() -> None:
    processor = ScriptedProcessor(PostroomError("invalid order", retriable=False))
    verdict = run(processor)
    assert isinstance(verdict, Failure)
    assert (verdict.reason, verdict.final, processor.calls) == ("handler-rejected", True, 1)


def test_an_unknown_schema_version_is_final() -> None:
    verdict = run(ScriptedProcessor(UnknownSchemaVersionError("v9")))
    assert isinstance(verdict, Failure)
    assert (verdict.reason, verdict.final) == ("unknown-schema-version", True)


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        (Record(b"{oops", good_record().headers), "malformed"),
        (Record(b"x" * 2000, good_record().headers), "oversized"),
        (Record(b"{}", [("eventType", b"A")]), "malformed"),
    ],
)
def test_an_undecodable_record_is_final_without_calling_the_handler(
    record: Record, reason: str
) -> None:
    processor = ScriptedProcessor()
    verdict = run(processor, record)
    assert isinstance(verdict, Failure)
    assert (verdict.reason, verdict.final, processor.calls) == (reason, True, 0)


def test_a_database_that_stays_down_stops_the_worker_instead_of_dead_lettering() -> None:
    down = sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))
    with pytest.raises(InboxError, match="database unavailable") as raised:
        run(ScriptedProcessor(down, down, down))
    assert raised.value.retriable


def test_backoff_grows_exponentially_up_to_its_cap() -> None:
    policy = RetryPolicy(backoff_s=0.1, max_backoff_s=0.3)
    assert [policy.backoff(n) for n in (1, 2, 3, 4)] == [0.1, 0.2, 0.3, 0.3]


def test_retry_headers_keep_the_origin_and_the_first_failure_across_rounds() -> None:
    first = good_record()
    headers = retry_headers(first, delay_s=2.0, attempts=3, reason="handler-failed", error="e")
    on_retry_topic = Record(
        first.value, headers, topic="outbox.event.order.retry", partition=0, offset=5
    )
    state = retry_state(on_retry_topic)
    assert (state.origin.topic, state.origin.partition, state.origin.offset) == (
        "outbox.event.order",
        2,
        41,
    )
    assert (state.round, state.attempts) == (1, 3)
    assert state.not_before_ms >= (state.first_failure_ms or 0) + 2000

    again = retry_state(
        Record(
            first.value, retry_headers(on_retry_topic, delay_s=0, attempts=6, reason="r", error="e")
        )
    )
    assert again.round == 2 and again.first_failure_ms == state.first_failure_ms
    assert again.origin == state.origin
    assert original_headers(on_retry_topic) == first.headers


@pytest.mark.parametrize(
    ("settings", "complaint"),
    [
        ({"consumer": ""}, "consumer"),
        ({"topics": ()}, "topic"),
        ({"topics": "outbox.event.order"}, "tuple"),
        ({"topics": ("outbox.event.order.dlq",)}, "main topic"),
        ({"max_attempts": 0}, "max_attempts"),
        ({"max_message_bytes": 0}, "max_message_bytes"),
        ({"retry_suffix": ".dlq"}, "retry_suffix"),
        ({"retry_delays_s": (-1.0,)}, "delays"),
    ],
)
def test_bad_settings_are_refused_when_the_config_is_made(
    settings: dict[str, Any], complaint: str
) -> None:
    base: dict[str, Any] = {
        "consumer": "c",
        "topics": ("outbox.event.order",),
        "bootstrap_servers": "x:1",
    }
    with pytest.raises(ValueError, match=complaint):
        InboxConfig(**{**base, **settings})


def test_the_worker_subscribes_to_retry_topics_only_when_retry_rounds_exist() -> None:
    base: dict[str, Any] = {"consumer": "c", "topics": ("a",), "bootstrap_servers": "x:1"}
    assert InboxConfig(**base).subscribed_topics() == ("a", "a.retry")
    assert InboxConfig(**base, retry_delays_s=()).subscribed_topics() == ("a",)
    assert InboxConfig(**base, retry_delays_s=()).side_topics() == ["a.dlq"]
