"""Reading sagas without running them: what ``postroom saga list|show`` prints.

Plain synchronous SQLAlchemy on any URL form; nothing here changes a saga.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from postroom.errors import SagaNotFoundError
from postroom.saga._state import StepState
from postroom.saga._table import DEFAULT_SAGA_TABLE, saga_table

__all__ = ["list_sagas", "saga_timeline", "show_saga"]


def _table(name: str, schema: str | None) -> sa.Table:
    return saga_table(sa.MetaData(), name=name, schema=schema)


def _summary(row: Any) -> dict[str, Any]:
    steps = row.state["steps"]
    current = steps[-1]["participants"] if steps else {}
    return {
        "id": str(row.id),
        "kind": row.kind,
        "status": row.status,
        "step": row.step,
        "waiting_for": sorted(n for n, p in current.items() if p["status"] == "waiting"),
        "started_at": row.started_at.isoformat(),
        "finished_at": row.finished_at.isoformat() if row.finished_at else None,
        "next_due_at": row.next_due_at.isoformat() if row.next_due_at else None,
    }


def list_sagas(
    connection: sa.Connection,
    *,
    kind: str | None = None,
    status: str | None = None,
    limit: int = 50,
    table: str = DEFAULT_SAGA_TABLE,
    schema: str | None = None,
) -> list[dict[str, Any]]:
    """The newest sagas first, one summary each."""
    t = _table(table, schema)
    query = sa.select(t).order_by(t.c.started_at.desc()).limit(limit)
    if kind is not None:
        query = query.where(t.c.kind == kind)
    if status is not None:
        query = query.where(t.c.status == status)
    return [_summary(row) for row in connection.execute(query)]


def saga_timeline(steps: list[StepState], started: Any) -> list[dict[str, Any]]:
    """Every request and reply of every step, in time order, with ms since the start."""
    events = []
    for step in steps:
        for name, p in step.participants.items():
            events.append((p.requested_at, step.name, name, "requested", p.requests))
            if p.replied_at is not None:
                events.append((p.replied_at, step.name, name, "replied", p.requests))
            elif p.status == "missing":
                events.append(
                    (step.finished_at or step.deadline_at, step.name, name, "missing", p.requests)
                )
    events.sort(key=lambda e: (e[0], e[3] != "requested"))
    return [
        {
            "ms": round((at - started).total_seconds() * 1000),
            "step": step,
            "participant": who,
            "what": what,
            "requests": n,
        }
        for at, step, who, what, n in events
    ]


def show_saga(
    connection: sa.Connection,
    saga_id: str,
    *,
    table: str = DEFAULT_SAGA_TABLE,
    schema: str | None = None,
) -> dict[str, Any]:
    """One saga whole: its summary, each step's participants and its timeline."""
    t = _table(table, schema)
    try:
        row = connection.execute(sa.select(t).where(t.c.id == str(saga_id))).first()
    except sa.exc.DataError:
        row = None
    if row is None:
        raise SagaNotFoundError(f"no saga {saga_id} in this database")
    steps = [StepState.from_json(s) for s in row.state["steps"]]
    shown = _summary(row)
    shown["subject"] = row.subject
    shown["ignored_replies"] = row.state.get("ignored_replies", 0)
    shown["steps"] = [s.to_json() for s in steps]
    shown["timeline"] = saga_timeline(steps, row.started_at)
    shown["data"] = row.data
    return shown
