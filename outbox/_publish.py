"""``publish()``: add an event to the caller's open transaction, sync or async.

Three modes, one envelope; the caller sees no difference:

- ``table`` (default): INSERT the row, then DELETE it by primary key, in the same
  transaction. PostgreSQL's WAL still carries the insert, which is all Debezium reads, so
  the relay sees every committed event while the table itself stays empty: no cleanup job,
  no bloat. Deleting by primary key matters: a non-key predicate cost ~3x in a pgbench run.
- ``retain``: INSERT into the time-partitioned ``outbox_retained`` and keep the row for
  audit/replay; old days are dropped by partition (``outbox._retained``).
- ``wal-message``: no table at all: ``pg_logical_emit_message(true, 'outbox', envelope)``
  writes a transactional logical-decoding message that Debezium decodes
  (``DecodeLogicalDecodingMessageContent``) and routes with the same EventRouter.

If the caller rolls back, nothing happened in any mode and no event is ever relayed.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, Literal, get_args, overload

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from postroom.errors import InvalidEventError, OutboxConfigError
from postroom.outbox import wire
from postroom.outbox._event import Event
from postroom.outbox._table import (
    DEFAULT_OUTBOX_TABLE,
    RETAINED_OUTBOX_TABLE,
    outbox_table,
    retained_outbox_table,
)

__all__ = ["Outbox", "OutboxMode", "publish"]

OutboxMode = Literal["table", "retain", "wal-message"]


def _wal_message_statement() -> sa.TextClause:
    # The envelope is built by PostgreSQL so the payload is jsonb-normalised exactly as in
    # the table modes (same key order, same numbers): the relayed bytes are identical.
    text_fields = [f for f in wire.ENVELOPE_FIELDS if f not in ("payload", "schemaversion")]
    pairs = ", ".join(f"'{name}', CAST(:{name} AS text)" for name in text_fields)
    return sa.text(
        "SELECT pg_logical_emit_message(true, CAST(:prefix AS text), jsonb_build_object("
        f"{pairs}, 'schemaversion', CAST(:schemaversion AS integer), "
        "'payload', CAST(CAST(:payload AS jsonb) AS text))::text)"
    )


class Outbox:
    """Where and how a service writes its events: the mode, and its table and schema.

    ``table`` defaults to ``outbox`` (``table`` mode) or ``outbox_retained`` (``retain``
    mode); ``wal-message`` mode has no table.
    """

    def __init__(
        self,
        *,
        mode: OutboxMode = "table",
        table: str | None = None,
        schema: str | None = None,
    ) -> None:
        if mode not in get_args(OutboxMode):
            raise OutboxConfigError(
                f"mode must be one of {', '.join(get_args(OutboxMode))}, got {mode!r}"
            )
        self.mode: OutboxMode = mode
        if mode == "retain":
            self.table = retained_outbox_table(
                sa.MetaData(), name=table or RETAINED_OUTBOX_TABLE, schema=schema
            )
        else:
            self.table = outbox_table(
                sa.MetaData(), name=table or DEFAULT_OUTBOX_TABLE, schema=schema
            )
        self._emit = _wal_message_statement()
        columns = self.table.c
        values: dict[str, Any] = {name: sa.bindparam(name) for name in wire.ENVELOPE_FIELDS}
        values[wire.PAYLOAD_COLUMN] = sa.cast(sa.bindparam("payload", type_=sa.Text), JSONB)
        self._insert = sa.insert(self.table).values(**values)
        self._delete = sa.delete(self.table).where(columns.id == sa.bindparam("id"))

    def _statements(self, event: Event) -> list[tuple[sa.Executable, dict[str, Any]]]:
        if not isinstance(event, Event):
            raise InvalidEventError(f"publish() needs an outbox.Event, got {type(event).__name__}")
        row = wire.event_row(event)
        if self.mode == "wal-message":
            row["id"] = str(event.id)
            row["timestamp"] = wire.format_timestamp(event.timestamp)
            row["prefix"] = wire.WAL_MESSAGE_PREFIX
            return [(self._emit, row)]
        if self.mode == "retain":
            return [(self._insert, row)]
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
