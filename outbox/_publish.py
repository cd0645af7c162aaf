"""``publish()``: add an event to the caller's open transaction, sync or async.

Three modes, one envelope; the caller sees no difference:

- ``table`` (default): INSERT the row, then DELETE it by primary key, in the same
  transaction. PostgreSQL's WAL still carries the insert, which is all Debezium reads, so
  the relay sees every committed event while the table itself stays empty: no cleanup job,
  no bloat. Deleting by primary key matters: a non-key predicate costs ~3x (STACK.md).
- ``retain``: INSERT into the time-partitioned ``outbox_retained`` and keep the row for
  audit/replay; old days are dropped by partition (``outbox._retained``).
- ``wal-message``: no table at all: ``pg_logical_emit_message(true, 'outbox', envelope)``
  writes a transactional logical-decoding message that Debezium decodes
  (``DecodeLogicalDecodingMessageContent``) and routes with the same EventRouter.

If the caller rolls back, nothing happened in any mode and no event is ever relayed.
"""

from __future__ import annotations

from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import Any, Literal, get_args, overload

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from postroom.errors import InvalidEventError, OutboxConfigError
from postroom.outbox._event import Event
from postroom.outbox._table import (
    DEFAULT_OUTBOX_TABLE,
    RETAINED_OUTBOX_TABLE,
    outbox_table,
    retained_outbox_table,
)

__all__ = ["WAL_MESSAGE_PREFIX", "Outbox", "OutboxMode", "format_timestamp", "publish"]

OutboxMode = Literal["table", "retain", "wal-message"]

#: The logical-decoding message prefix the relay listens to in ``wal-message`` mode.
WAL_MESSAGE_PREFIX = "outbox"

_ENVELOPE_FIELDS = (
    "id",
    "aggregatetype",
    "aggregateid",
    "type",
    "timestamp",
    "tracingspancontext",
    "correlationid",
    "causationid",
    "subjectid",
    "tenant",
)


def format_timestamp(moment: datetime) -> str:
    """A timestamp as Debezium renders a ``timestamptz`` (UTC, ISO 8601, microseconds).

    ``wal-message`` envelopes carry this text so their ``timestamp`` header equals the one
    the table modes produce for the same event.
    """
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _wal_message_statement() -> sa.TextClause:
    # The envelope is built by PostgreSQL so the payload is jsonb-normalised exactly as in
    # the table modes (same key order, same numbers): the relayed bytes are identical.
    pairs = ", ".join(f"'{name}', CAST(:{name} AS text)" for name in _ENVELOPE_FIELDS)
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
        if self.mode == "wal-message":
            row["id"] = str(event.id)
            row["timestamp"] = format_timestamp(event.timestamp)
            row["prefix"] = WAL_MESSAGE_PREFIX
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
