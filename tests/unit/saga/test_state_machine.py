"""The saga state machine, driven without a database or a clock: what a coordinator
asks, when it asks again, what a deadline does under each policy, which replies count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from postroom.saga import (
    Compensate,
    Complete,
    Request,
    SagaConfigError,
    SagaDefinition,
    SagaStep,
    begin,
    next_due,
    reply,
    tick,
)

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def erasure(policy: str = "escalate", max_requests: int | None = None) -> SagaDefinition:
    return SagaDefinition(
        "erasure",
        (
            SagaStep(
                "erase",
                ("auth", "users", "activity"),
                deadline=timedelta(seconds=30),
                rerequest_after=timedelta(seconds=5),
                max_requests=max_requests,
                on_deadline=policy,  # type: ignore[arg-type]
            ),
            SagaStep("seal", ("ledger",), deadline=timedelta(seconds=10)),
        ),
    )


def test_a_saga_begins_by_asking_every_participant_of_its_first_step() -> None:
    state, effects = begin(erasure(), "s1", T0, subject="u1")
    assert effects == [Request("erase", ("auth", "users", "activity"), 1)]
    assert state.status == "running"
    assert state.current.waiting() == ["auth", "users", "activity"]


def test_the_last_reply_of_a_step_starts_the_next_and_the_last_step_completes() -> None:
    d = erasure()
    state, _ = begin(d, "s1", T0)
    assert reply(d, state, "erase", "auth", {"rows": 1}, at(1)) == []
    assert reply(d, state, "erase", "users", {"rows": 2}, at(2)) == []
    assert reply(d, state, "erase", "activity", {"rows": 0}, at(3)) == [
        Request("seal", ("ledger",), 1)
    ]
    assert state.current.name == "seal"
    assert reply(d, state, "seal", "ledger", {}, at(4)) == [Complete(partial=False)]
    assert state.status == "completed"
    assert state.finished_at == at(4)
    assert state.steps[0].participants["users"].reply == {"rows": 2}


def test_only_the_first_reply_counts_every_other_is_ignored() -> None:
    d = erasure()
    state, _ = begin(d, "s1", T0)
    reply(d, state, "erase", "auth", {"rows": 1}, at(1))
    assert reply(d, state, "erase", "auth", {"rows": 0}, at(2)) == []  # duplicate
    assert reply(d, state, "erase", "stranger", {}, at(2)) == []  # not a participant
    assert reply(d, state, "seal", "ledger", {}, at(2)) == []  # a step not yet begun
    assert state.steps[0].participants["auth"].reply == {"rows": 1}
    assert state.ignored_replies == 3


def test_silent_participants_are_asked_again_and_only_they() -> None:
    d = erasure()
    state, _ = begin(d, "s1", T0)
    reply(d, state, "erase", "auth", {}, at(1))
    assert tick(d, state, at(4)) == []
    assert next_due(d, state) == at(5)
    assert tick(d, state, at(5)) == [Request("erase", ("users", "activity"), 2)]
    reply(d, state, "erase", "users", {}, at(6))
    assert tick(d, state, at(10)) == [Request("erase", ("activity",), 3)]
    assert state.current.participants["activity"].requests == 3


def test_max_requests_stops_the_asking() -> None:
    d = erasure(max_requests=2)
    state, _ = begin(d, "s1", T0)
    assert tick(d, state, at(5)) == [Request("erase", ("auth", "users", "activity"), 2)]
    assert tick(d, state, at(10)) == []
    assert next_due(d, state) == at(30)  # only the deadline is left


def test_escalate_marks_the_saga_overdue_and_keeps_asking_until_everyone_answers() -> None:
    d = erasure("escalate")
    state, _ = begin(d, "s1", T0)
    reply(d, state, "erase", "auth", {}, at(1))
    reply(d, state, "erase", "users", {}, at(1))
    effects = tick(d, state, at(31))
    assert state.status == "overdue"
    assert effects == [Request("erase", ("activity",), 2)]
    assert reply(d, state, "erase", "activity", {}, at(40)) == [Request("seal", ("ledger",), 1)]
    assert state.status == "running"


def test_partial_marks_the_silent_missing_and_goes_on() -> None:
    d = SagaDefinition(
        "export",
        (SagaStep("collect", ("a", "b"), timedelta(seconds=5), on_deadline="partial"),),
    )
    state, _ = begin(d, "s1", T0)
    reply(d, state, "collect", "a", {"rows": 3}, at(1))
    assert tick(d, state, at(5)) == [Complete(partial=True)]
    assert state.current.participants["b"].status == "missing"
    assert reply(d, state, "collect", "b", {}, at(6)) == []  # too late: changes nothing
    assert state.current.participants["b"].status == "missing"


def test_fail_compensates_completed_steps_newest_first() -> None:
    d = SagaDefinition(
        "booking",
        (
            SagaStep("reserve", ("hotel",), timedelta(seconds=5)),
            SagaStep("charge", ("bank",), timedelta(seconds=5)),
            SagaStep("confirm", ("mail",), timedelta(seconds=5), on_deadline="fail"),
        ),
    )
    state, _ = begin(d, "s1", T0)
    reply(d, state, "reserve", "hotel", {}, at(1))
    reply(d, state, "charge", "bank", {}, at(2))
    [effect] = tick(d, state, at(8))
    assert isinstance(effect, Compensate)
    assert effect.steps == ("charge", "reserve")
    assert "mail" in effect.reason
    assert state.status == "failed"
    assert tick(d, state, at(60)) == []
    assert next_due(d, state) is None


def test_state_survives_its_json_form() -> None:
    from postroom.saga import StepState

    d = erasure()
    state, _ = begin(d, "s1", T0)
    reply(d, state, "erase", "auth", {"rows": 1}, at(1))
    again = [StepState.from_json(s) for s in state.to_json()["steps"]]
    assert again == state.steps


@pytest.mark.parametrize(
    "make",
    [
        lambda: SagaStep("x", (), timedelta(seconds=1)),
        lambda: SagaStep("x", ("a", "a"), timedelta(seconds=1)),
        lambda: SagaStep("x", ("a",), timedelta(0)),
        lambda: SagaStep("x", ("a",), timedelta(seconds=1), on_deadline="shrug"),  # type: ignore[arg-type]
        lambda: SagaStep("x", ("a",), timedelta(seconds=1), max_requests=0),
        lambda: SagaDefinition("k", ()),
        lambda: SagaDefinition("k", (SagaStep("x", ("a",), timedelta(seconds=1)),) * 2),
    ],
)
def test_bad_definitions_are_refused_naming_the_problem(make: object) -> None:
    with pytest.raises(SagaConfigError):
        make()  # type: ignore[operator]


def test_naive_times_are_refused() -> None:
    with pytest.raises(SagaConfigError):
        begin(erasure(), "s1", datetime(2026, 1, 1))
