"""Sagas (process managers): a piece of work spread over services that own their data.

A saga's state lives in the coordinating service's own database (``saga_table``) and
moves only inside that database's transactions: when it starts, when an inbox handler
records a participant's reply (``SagaCoordinator.reply``), and when the scheduler applies
time (``SagaScheduler``: deadlines, re-requests of silent participants). Hooks ask the
participants (publishing events through the outbox), finish the saga, or compensate
completed steps, in the same transaction. ``postroom saga list|show`` inspects them.
"""

from postroom.errors import SagaConfigError, SagaError, SagaNotFoundError
from postroom.saga._coordinator import (
    CompensateHook,
    CompleteHook,
    RequestHook,
    SagaCoordinator,
)
from postroom.saga._definition import DeadlinePolicy, SagaDefinition, SagaStep
from postroom.saga._inspect import list_sagas, saga_timeline, show_saga
from postroom.saga._scheduler import SagaScheduler
from postroom.saga._state import (
    Compensate,
    Complete,
    Effect,
    ParticipantState,
    Request,
    SagaState,
    SagaStatus,
    StepState,
    begin,
    next_due,
    reply,
    tick,
)
from postroom.saga._table import DEFAULT_SAGA_TABLE, create_saga_table, saga_table

__all__ = [
    "DEFAULT_SAGA_TABLE",
    "Compensate",
    "CompensateHook",
    "Complete",
    "CompleteHook",
    "DeadlinePolicy",
    "Effect",
    "ParticipantState",
    "Request",
    "RequestHook",
    "SagaConfigError",
    "SagaCoordinator",
    "SagaDefinition",
    "SagaError",
    "SagaNotFoundError",
    "SagaScheduler",
    "SagaState",
    "SagaStatus",
    "SagaStep",
    "StepState",
    "begin",
    "create_saga_table",
    "list_sagas",
    "next_due",
    "reply",
    "saga_table",
    "saga_timeline",
    "show_saga",
    "tick",
]
