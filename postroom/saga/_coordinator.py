"""``SagaCoordinator``: a ``SagaDefinition`` bound to its table and its hooks.

Every method takes the caller's ``AsyncSession`` inside an open transaction and never
commits: ``start`` runs beside the request that begins the saga, ``reply`` inside the
inbox handler of the participant's answer (so the saga advances exactly when the inbox
records the message), ``tick`` in the scheduler's transaction. The hooks run in that same
transaction, so an event a hook publishes through the outbox commits with the state
change that caused it, or not at all.

    coordinator = SagaCoordinator(definition, table, request=ask, complete=record)

    @registry.on("UserDataErased")
    async def confirmed(session, message):
        await coordinator.reply(session, saga_id, "erase", service, answer)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from postroom.errors import SagaNotFoundError
from postroom.saga._definition import SagaDefinition
from postroom.saga._state import (
    Compensate,
    Complete,
    Effect,
    Request,
    SagaState,
    StepState,
    begin,
    next_due,
    reply,
    tick,
)

__all__ = ["CompensateHook", "CompleteHook", "RequestHook", "SagaCoordinator"]

#: Ask ``participants`` for their part of ``step`` (publish the request events).
RequestHook = Callable[[AsyncSession, SagaState, str, tuple[str, ...], int], Awaitable[None]]
#: Every step is over (``partial``: some participant was missing).
CompleteHook = Callable[[AsyncSession, SagaState, bool], Awaitable[None]]
#: The saga failed: undo ``step`` (called per completed step, newest first).
CompensateHook = Callable[[AsyncSession, SagaState, str], Awaitable[None]]


def _now() -> datetime:
    return datetime.now(UTC)


class SagaCoordinator:
    """Starts sagas of one definition, advances them on replies and on time, runs hooks."""

    def __init__(
        self,
        definition: SagaDefinition,
        table: sa.Table,
        *,
        request: RequestHook,
        complete: CompleteHook | None = None,
        compensate: CompensateHook | None = None,
    ) -> None:
        self.definition = definition
        self.table = table
        self._request = request
        self._complete = complete
        self._compensate = compensate

    # -- the three ways a saga moves -------------------------------------------------

    async def start(
        self,
        session: AsyncSession,
        saga_id: str,
        *,
        subject: str | None = None,
        data: dict[str, Any] | None = None,
        now: datetime | None = None,
    ) -> SagaState:
        """Begin a saga and ask its first step's participants, in ``session``'s transaction."""
        state, effects = begin(
            self.definition, str(saga_id), now or _now(), subject=subject, data=data
        )
        await session.execute(self.table.insert().values(**self._row(state)))
        await self._carry_out(session, state, effects)
        return state

    async def reply(
        self,
        session: AsyncSession,
        saga_id: str,
        step: str,
        participant: str,
        answer: dict[str, Any],
        *,
        now: datetime | None = None,
    ) -> SagaState | None:
        """Record ``participant``'s answer (from an inbox handler). An answer for a saga
        this database does not hold is ignored (None): it may belong to another
        coordinator sharing the reply topic."""
        state = await self._locked(session, str(saga_id))
        if state is None:
            return None
        effects = reply(self.definition, state, step, participant, answer, now or _now())
        await self._carry_out(session, state, effects)
        return state

    async def tick(
        self, session: AsyncSession, *, now: datetime | None = None, limit: int = 100
    ) -> int:
        """Apply deadlines and re-requests to every saga that is due; how many were."""
        moment = now or _now()
        t = self.table
        rows = (
            await session.execute(
                sa.select(t)
                .where(
                    t.c.kind == self.definition.kind,
                    t.c.status.in_(("running", "overdue")),
                    t.c.next_due_at <= moment,
                )
                .order_by(t.c.next_due_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).all()
        for row in rows:
            state = self._state(row)
            await self._carry_out(session, state, tick(self.definition, state, moment))
        return len(rows)

    # -- reading ---------------------------------------------------------------------

    async def get(self, session: AsyncSession, saga_id: str) -> SagaState:
        row = (
            await session.execute(sa.select(self.table).where(self.table.c.id == str(saga_id)))
        ).first()
        if row is None or row.kind != self.definition.kind:
            raise SagaNotFoundError(f"no {self.definition.kind} saga {saga_id}")
        return self._state(row)

    async def find(self, session: AsyncSession, subject: str) -> list[SagaState]:
        """This definition's sagas about ``subject``, oldest first."""
        t = self.table
        rows = (
            await session.execute(
                sa.select(t)
                .where(t.c.kind == self.definition.kind, t.c.subject == subject)
                .order_by(t.c.started_at)
            )
        ).all()
        return [self._state(row) for row in rows]

    # -- internals -------------------------------------------------------------------

    async def _locked(self, session: AsyncSession, saga_id: str) -> SagaState | None:
        row = (
            await session.execute(
                sa.select(self.table).where(self.table.c.id == saga_id).with_for_update()
            )
        ).first()
        if row is None or row.kind != self.definition.kind:
            return None
        return self._state(row)

    async def _carry_out(
        self, session: AsyncSession, state: SagaState, effects: list[Effect]
    ) -> None:
        for effect in effects:
            if isinstance(effect, Request):
                await self._request(
                    session, state, effect.step, effect.participants, effect.attempt
                )
            elif isinstance(effect, Complete) and self._complete is not None:
                await self._complete(session, state, effect.partial)
            elif isinstance(effect, Compensate) and self._compensate is not None:
                state.data["failure"] = effect.reason
                for step in effect.steps:
                    await self._compensate(session, state, step)
        values = self._row(state)
        values.pop("id")
        await session.execute(
            self.table.update().where(self.table.c.id == state.id).values(**values)
        )

    def _row(self, state: SagaState) -> dict[str, Any]:
        return {
            "id": state.id,
            "kind": state.kind,
            "subject": state.subject,
            "status": state.status,
            "step": state.current.name,
            "started_at": state.started_at,
            "updated_at": _now(),
            "finished_at": state.finished_at,
            "next_due_at": next_due(self.definition, state),
            "state": state.to_json(),
            "data": state.data,
        }

    @staticmethod
    def _state(row: Any) -> SagaState:
        return SagaState(
            id=str(row.id),
            kind=row.kind,
            subject=row.subject,
            status=row.status,
            started_at=row.started_at,
            steps=[StepState.from_json(s) for s in row.state["steps"]],
            data=dict(row.data),
            finished_at=row.finished_at,
            ignored_replies=int(row.state.get("ignored_replies", 0)),
        )
