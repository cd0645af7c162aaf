"""``SagaStep`` and ``SagaDefinition``: what a saga waits for, from whom, and until when.

A saga runs its steps in order. Each step names the participants it expects one reply
from; the step is over when every participant replied, or when its deadline passed and
its ``on_deadline`` policy says what then:

- ``"escalate"``: the saga is marked ``overdue`` and keeps re-requesting the silent
  participants until they answer (an erasure must finish, late or not);
- ``"partial"``: the silent participants are marked ``missing`` and the saga goes on
  without them (an export returns what it has);
- ``"fail"``: the saga fails and the completed steps are compensated, newest first.

Silent participants are asked again every ``rerequest_after`` (at most
``max_requests`` times in all, when given).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from postroom.errors import SagaConfigError

__all__ = ["DeadlinePolicy", "SagaDefinition", "SagaStep"]

DeadlinePolicy = Literal["escalate", "partial", "fail"]
_POLICIES = ("escalate", "partial", "fail")


@dataclass(frozen=True, slots=True)
class SagaStep:
    """One step: the participants expected to reply, its deadline and re-request rhythm."""

    name: str
    participants: tuple[str, ...]
    deadline: timedelta
    rerequest_after: timedelta | None = None
    max_requests: int | None = None
    on_deadline: DeadlinePolicy = "fail"

    def __post_init__(self) -> None:
        if not self.name or not isinstance(self.name, str):
            raise SagaConfigError(f"a step needs a name, got {self.name!r}")
        if not self.participants or len(set(self.participants)) != len(self.participants):
            raise SagaConfigError(
                f"step {self.name!r} needs distinct participants, got {self.participants!r}"
            )
        if self.deadline <= timedelta(0):
            raise SagaConfigError(f"step {self.name!r}: the deadline must be > 0")
        if self.rerequest_after is not None and self.rerequest_after <= timedelta(0):
            raise SagaConfigError(f"step {self.name!r}: rerequest_after must be > 0")
        if self.max_requests is not None and self.max_requests < 1:
            raise SagaConfigError(f"step {self.name!r}: max_requests must be >= 1")
        if self.on_deadline not in _POLICIES:
            raise SagaConfigError(
                f"step {self.name!r}: on_deadline must be one of {_POLICIES}, "
                f"got {self.on_deadline!r}"
            )


@dataclass(frozen=True, slots=True)
class SagaDefinition:
    """A kind of saga (``"erasure"``) and its steps, in order."""

    kind: str
    steps: tuple[SagaStep, ...]

    def __post_init__(self) -> None:
        if not self.kind or not isinstance(self.kind, str):
            raise SagaConfigError(f"a saga definition needs a kind, got {self.kind!r}")
        if not self.steps:
            raise SagaConfigError(f"saga {self.kind!r} needs at least one step")
        names = [step.name for step in self.steps]
        if len(set(names)) != len(names):
            raise SagaConfigError(f"saga {self.kind!r} has steps of the same name: {names}")

    def step(self, name: str) -> SagaStep:
        for step in self.steps:
            if step.name == name:
                return step
        raise SagaConfigError(f"saga {self.kind!r} has no step {name!r}")
