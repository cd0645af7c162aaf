"""A saga's state and its transitions, as pure functions (no database, no clock).

``begin`` starts a saga; ``reply`` records one participant's answer; ``tick`` applies
the passage of time (re-requests, deadlines). Each returns the ``Effect``s the caller
must carry out in the same transaction: ask participants (``Request``), finish
(``Complete``), undo completed steps (``Compensate``). The coordinator persists the
state and runs the hooks; tests drive these functions directly.

The first reply of a participant to a step counts; any later one (a duplicate, an answer
to a re-request, a reply after the saga ended) is counted in ``ignored_replies`` and
changes nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from postroom.errors import SagaConfigError
from postroom.saga._definition import SagaDefinition, SagaStep

__all__ = [
    "Compensate",
    "Complete",
    "Effect",
    "ParticipantState",
    "Request",
    "SagaState",
    "SagaStatus",
    "StepState",
    "begin",
    "next_due",
    "reply",
    "tick",
]

SagaStatus = Literal["running", "overdue", "completed", "failed"]
ParticipantStatus = Literal["waiting", "done", "missing"]
ACTIVE: tuple[SagaStatus, ...] = ("running", "overdue")


@dataclass(slots=True)
class ParticipantState:
    """One participant of one step: asked how often and when, answered what and when."""

    status: ParticipantStatus
    requests: int
    requested_at: datetime
    last_requested_at: datetime
    replied_at: datetime | None = None
    reply: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "requests": self.requests,
            "requested_at": self.requested_at.isoformat(),
            "last_requested_at": self.last_requested_at.isoformat(),
            "replied_at": self.replied_at.isoformat() if self.replied_at else None,
            "reply": self.reply,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ParticipantState:
        replied = data.get("replied_at")
        return cls(
            status=data["status"],
            requests=int(data["requests"]),
            requested_at=datetime.fromisoformat(data["requested_at"]),
            last_requested_at=datetime.fromisoformat(data["last_requested_at"]),
            replied_at=datetime.fromisoformat(replied) if replied else None,
            reply=data.get("reply"),
        )


@dataclass(slots=True)
class StepState:
    """A step that has started: when, until when, and each participant's state."""

    name: str
    started_at: datetime
    deadline_at: datetime
    participants: dict[str, ParticipantState]
    finished_at: datetime | None = None

    def waiting(self) -> list[str]:
        return [n for n, p in self.participants.items() if p.status == "waiting"]

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "started_at": self.started_at.isoformat(),
            "deadline_at": self.deadline_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "participants": {n: p.to_json() for n, p in self.participants.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StepState:
        finished = data.get("finished_at")
        return cls(
            name=data["name"],
            started_at=datetime.fromisoformat(data["started_at"]),
            deadline_at=datetime.fromisoformat(data["deadline_at"]),
            participants={
                n: ParticipantState.from_json(p) for n, p in data["participants"].items()
            },
            finished_at=datetime.fromisoformat(finished) if finished else None,
        )


@dataclass(slots=True)
class SagaState:
    """Everything a saga knows. ``subject`` is whom it is about (a hook may pseudonymise
    it when the saga ends); ``data`` is the coordinator's own, free-form."""

    id: str
    kind: str
    subject: str | None
    status: SagaStatus
    started_at: datetime
    steps: list[StepState]
    data: dict[str, Any] = field(default_factory=dict)
    finished_at: datetime | None = None
    ignored_replies: int = 0

    @property
    def current(self) -> StepState:
        return self.steps[-1]

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    def to_json(self) -> dict[str, Any]:
        return {
            "steps": [s.to_json() for s in self.steps],
            "ignored_replies": self.ignored_replies,
        }


@dataclass(frozen=True, slots=True)
class Request:
    """Ask ``participants`` for their part of ``step`` (``attempt`` 1 is the first ask)."""

    step: str
    participants: tuple[str, ...]
    attempt: int


@dataclass(frozen=True, slots=True)
class Complete:
    """Every step is over: the saga completed (``partial``: some participant was missing)."""

    partial: bool


@dataclass(frozen=True, slots=True)
class Compensate:
    """The saga failed: undo ``steps`` (completed ones, newest first)."""

    steps: tuple[str, ...]
    reason: str


Effect = Request | Complete | Compensate


def _start_step(step: SagaStep, now: datetime) -> StepState:
    return StepState(
        name=step.name,
        started_at=now,
        deadline_at=now + step.deadline,
        participants={
            n: ParticipantState("waiting", 1, requested_at=now, last_requested_at=now)
            for n in step.participants
        },
    )


def begin(
    definition: SagaDefinition,
    saga_id: str,
    now: datetime,
    *,
    subject: str | None = None,
    data: dict[str, Any] | None = None,
) -> tuple[SagaState, list[Effect]]:
    """A new saga in its first step, and the request to that step's participants."""
    if now.tzinfo is None:
        raise SagaConfigError("saga times must be timezone-aware")
    first = definition.steps[0]
    state = SagaState(
        id=saga_id,
        kind=definition.kind,
        subject=subject,
        status="running",
        started_at=now,
        steps=[_start_step(first, now)],
        data=dict(data or {}),
    )
    return state, [Request(first.name, first.participants, 1)]


def _advance(definition: SagaDefinition, state: SagaState, now: datetime) -> list[Effect]:
    """The current step is over: start the next one, or complete the saga."""
    state.current.finished_at = now
    index = [s.name for s in definition.steps].index(state.current.name)
    if index + 1 < len(definition.steps):
        step = definition.steps[index + 1]
        state.steps.append(_start_step(step, now))
        state.status = "running"
        return [Request(step.name, step.participants, 1)]
    state.status = "completed"
    state.finished_at = now
    partial = any(p.status == "missing" for s in state.steps for p in s.participants.values())
    return [Complete(partial)]


def reply(
    definition: SagaDefinition,
    state: SagaState,
    step: str,
    participant: str,
    answer: dict[str, Any],
    now: datetime,
) -> list[Effect]:
    """Record ``participant``'s answer to ``step``; the first answer counts."""
    found = next((s for s in state.steps if s.name == step), None)
    expected = found.participants.get(participant) if found is not None else None
    if (
        not state.active
        or found is None
        or found is not state.current
        or expected is None
        or expected.status != "waiting"
    ):
        state.ignored_replies += 1
        return []
    expected.status = "done"
    expected.replied_at = now
    expected.reply = dict(answer)
    if found.waiting():
        return []
    return _advance(definition, state, now)


def _due_rerequests(step: SagaStep, current: StepState, now: datetime) -> list[str]:
    if step.rerequest_after is None:
        return []
    due = []
    for name in current.waiting():
        p = current.participants[name]
        if step.max_requests is not None and p.requests >= step.max_requests:
            continue
        if p.last_requested_at + step.rerequest_after <= now:
            due.append(name)
    return due


def tick(definition: SagaDefinition, state: SagaState, now: datetime) -> list[Effect]:
    """Apply the passage of time: deadlines first, then re-requests of silent participants."""
    if not state.active:
        return []
    current = state.current
    step = definition.step(current.name)
    effects: list[Effect] = []
    if now >= current.deadline_at:
        if step.on_deadline == "partial":
            for name in current.waiting():
                current.participants[name].status = "missing"
            return _advance(definition, state, now)
        if step.on_deadline == "fail":
            state.status = "failed"
            state.finished_at = now
            done = tuple(s.name for s in reversed(state.steps) if s.finished_at is not None)
            silent = ", ".join(current.waiting())
            return [Compensate(done, f"step {current.name!r}: no reply from {silent} in time")]
        state.status = "overdue"
    due = _due_rerequests(step, current, now)
    if due:
        for name in due:
            p = current.participants[name]
            p.requests += 1
            p.last_requested_at = now
        attempt = max(current.participants[n].requests for n in due)
        effects.append(Request(current.name, tuple(due), attempt))
    return effects


def next_due(definition: SagaDefinition, state: SagaState) -> datetime | None:
    """When ``tick`` next has something to do (None: never, the saga is over)."""
    if not state.active:
        return None
    current = state.current
    step = definition.step(current.name)
    moments = []
    if state.status == "running":
        moments.append(current.deadline_at)
    if step.rerequest_after is not None:
        for name in current.waiting():
            p = current.participants[name]
            if step.max_requests is None or p.requests < step.max_requests:
                moments.append(p.last_requested_at + step.rerequest_after)
    return min(moments) if moments else None
