"""``publish()``: add an event to the caller's open transaction, sync or async.

Default mode (``table``): INSERT the row, then DELETE it by primary key, in the same
transaction. PostgreSQL's WAL still carries the insert, which is all Debezium reads, so
the relay sees every committed event while the table itself stays empty: no cleanup job,
no bloat. Deleting by primary key matters: a non-key predicate costs ~3x (STACK.md).
If the caller rolls back, neither statement happened and no event is ever relayed.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, overload

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from outbox._errors import InvalidEventError
from outbox._event import Event
from outbox._table import DEFAULT_OUTBOX_TABLE, outbox_table

__all__ = ["Outbox", "publish"]


class Outbox:
    """Where and how a service writes its events: one outbox table in one schema."""

    def __init__(self, *, table: str = DEFAULT_OUTBOX_TABLE, schema: str | None = None) -> None:
        self.table = outbox_table(sa.MetaData(), name=table, schema=schema)
        columns = self.table.c
        self._insert = sa.insert(self.table).values(
            id=sa.bindparam("id"),
            aggregatetype=sa.bindparam("aggregatetype"),
            aggregateid=sa.bindparam("aggregateid"),
            type=sa.bindparam("type"),
            payload=sa.cast(sa.bindparam("payload", type_=sa.Text), JSONB),
            timestamp=sa.bindparam("timestamp"),
            schemaversion=sa.bindparam("schemaversion"),
            tracingspancontext=sa.bindparam("tracingspancontext"),
            correlationid=sa.bindparam("correlationid"),
            causationid=sa.bindparam("causationid"),
            subjectid=sa.bindparam("subjectid"),
            tenant=sa.bindparam("tenant"),
        )
        self._delete = sa.delete(self.table).where(columns.id == sa.bindparam("id"))

    def _statements(self, event: Event) -> list[tuple[sa.Executable, dict[str, Any]]]:
        if not isinstance(event, Event):
            raise InvalidEventError(f"publish() needs an outbox.Event, got {type(event).__name__}")
        row = {
            "id": event.id,
            "aggregatetype": event.aggregate_type,
            "aggregateid": event.aggregate_id,
            "type": event.type,
            "payload": event.payload_json,
            "timestamp": event.timestamp,
            "schemaversion": event.schema_version,
            "tracingspancontext": event.traceparent,
            "correlationid": event.correlation_id,
            "causationid": event.causation_id,
            "subjectid": event.subject_id,
            "tenant": event.tenant,
        }
        return [(self._insert, row), (self._delete, {"id": event.id})]

    def publish(self, session: Session, event: Event) -> None:
        """Add ``event`` to ``session``'s transaction; it is relayed once the caller commits."""
        for statement, params in self._statements(event):
            session.execute(statement, params)

    async def publish_async(self, session: AsyncSession, event: Event) -> None:
        """``publish`` for an ``AsyncSession`` (asyncpg)."""
        for statement, params in self._statements(event):
            await session.execute(statement, params)


_DEFAULT = Outbox()


@overload
def publish(session: Session, event: Event, *, outbox: Outbox | None = None) -> None: ...


@overload
def publish(
    session: AsyncSession, event: Event, *, outbox: Outbox | None = None
) -> Coroutine[Any, Any, None]: ...


def publish(
    session: Session | AsyncSession, event: Event, *, outbox: Outbox | None = None
) -> Coroutine[Any, Any, None] | None:
    """Write ``event`` to the outbox inside the caller's open transaction.

    With a sync ``Session`` it returns ``None``; with an ``AsyncSession`` it returns an
    awaitable (``await publish(session, event)``). Nothing is committed here: the event
    exists exactly when the caller's business rows do.
    """
    target = outbox or _DEFAULT
    if isinstance(session, AsyncSession):
        return target.publish_async(session, event)
    if isinstance(session, Session):
        target.publish(session, event)
        return None
    raise InvalidEventError(
        f"publish() needs a SQLAlchemy Session or AsyncSession, got {type(session).__name__}"
    )
