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

With ``Outbox(signer=...)`` each event also carries its signature, written to the
outbox's ``signature`` column (``wire.SIGNATURE_COLUMN``, an extra header column the
database must have been migrated with) or into the ``wal-message`` envelope.

The mode is the one the database recorded when it was migrated (``outbox._record``),
read on the first ``publish`` to each engine together with the check that a replication
slot captures the outbox (``outbox._capture``). If the caller rolls back, nothing happened
in any mode and no event is ever relayed.
"""

from __future__ import annotations

import weakref
from collections.abc import Coroutine
from typing import Any, get_args, overload

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from postroom.errors import (
    CaptureMissingError,
    InvalidEventError,
    OutboxConfigError,
    OutboxMismatchError,
)
from postroom.outbox import wire
from postroom.outbox._capture import capture_required, require_capture
from postroom.outbox._event import Event
from postroom.outbox._modes import DEFAULT_MODE, OutboxMode
from postroom.outbox._record import OutboxRecord, read_record
from postroom.outbox._signer import EventSigner
from postroom.outbox._table import (
    DEFAULT_OUTBOX_TABLE,
    RETAINED_OUTBOX_TABLE,
    outbox_table,
    retained_outbox_table,
)

__all__ = ["Outbox", "OutboxMode", "publish"]


def _wal_message_statement(signed: bool = False) -> sa.TextClause:
    # The envelope is built by PostgreSQL so the payload is jsonb-normalised exactly as in
    # the table modes (same key order, same numbers): the relayed bytes are identical.
    text_fields = [f for f in wire.ENVELOPE_FIELDS if f not in ("payload", "schemaversion")]
    if signed:
        text_fields.append(wire.SIGNATURE_COLUMN)
    pairs = ", ".join(f"'{name}', CAST(:{name} AS text)" for name in text_fields)
    return sa.text(
        "SELECT pg_logical_emit_message(true, CAST(:prefix AS text), jsonb_build_object("
        f"{pairs}, 'schemaversion', CAST(:schemaversion AS integer), "
        "'payload', CAST(CAST(:payload AS jsonb) AS text))::text)"
    )


class _Statements:
    """The SQL one mode runs for one event, against one table."""

    def __init__(
        self, mode: OutboxMode, table: str | None, schema: str | None, *, signed: bool = False
    ) -> None:
        self.mode: OutboxMode = mode
        self.signed = signed
        if mode == "retain":
            self.table = retained_outbox_table(
                sa.MetaData(), name=table or RETAINED_OUTBOX_TABLE, schema=schema
            )
        else:
            self.table = outbox_table(
                sa.MetaData(), name=table or DEFAULT_OUTBOX_TABLE, schema=schema
            )
        if signed and mode != "wal-message":
            self.table.append_column(sa.Column(wire.SIGNATURE_COLUMN, sa.Text, nullable=True))
        self._emit = _wal_message_statement(signed)
        columns = self.table.c
        values: dict[str, Any] = {name: sa.bindparam(name) for name in wire.ENVELOPE_FIELDS}
        if signed:
            values[wire.SIGNATURE_COLUMN] = sa.bindparam(wire.SIGNATURE_COLUMN)
        values[wire.PAYLOAD_COLUMN] = sa.cast(sa.bindparam("payload", type_=sa.Text), JSONB)
        self._insert = sa.insert(self.table).values(**values)
        self._delete = sa.delete(self.table).where(columns.id == sa.bindparam("id"))

    def for_event(
        self, event: Event, signer: EventSigner | None = None
    ) -> list[tuple[sa.Executable, dict[str, Any]]]:
        row = wire.event_row(event)
        if self.signed:  # the column exists: signed, or NULL (no header) without a signer
            row[wire.SIGNATURE_COLUMN] = None if signer is None else signer.sign(event)
        if self.mode == "wal-message":
            row["id"] = str(event.id)
            row["timestamp"] = wire.format_timestamp(event.timestamp)
            row["prefix"] = wire.WAL_MESSAGE_PREFIX
            return [(self._emit, row)]
        if self.mode == "retain":
            return [(self._insert, row)]
        return [(self._insert, row), (self._delete, {"id": event.id})]


class Outbox:
    """Where and how a service writes its events: by default, as its database recorded.

    The migration records the outbox mode, schema and table once, in the database
    (``postroom_outbox_settings``); an ``Outbox()`` reads that record on its first
    ``publish`` to each engine and follows it. ``mode``, ``table`` and ``schema`` given
    here are assertions: one that disagrees with the record raises
    ``OutboxMismatchError`` naming both values. ``schema`` also says where to find the
    record (default: the ``search_path``).

    The first ``publish`` to each engine also checks that a replication slot and a
    publication capture the outbox, and raises ``CaptureMissingError`` naming the fix if
    not (see ``outbox._capture``). Both refusals roll the session's transaction back, so
    the business rows can not commit without their event. The result is cached per engine
    and checked again after any error. ``require_capture=False`` skips the check (tests
    that never relay; without a record the mode then defaults to ``table``).

    ``signer`` signs every event (see ``EventSigner``); the database must record the
    ``signature`` header column (``wire.SIGNATURE_COLUMN``) and a mode other than
    ``retain``, else the first ``publish`` raises ``OutboxConfigError``.
    """

    def __init__(
        self,
        *,
        mode: OutboxMode | None = None,
        table: str | None = None,
        schema: str | None = None,
        require_capture: bool | None = None,
        signer: EventSigner | None = None,
    ) -> None:
        if mode is not None and mode not in get_args(OutboxMode):
            raise OutboxConfigError(
                f"mode must be one of {', '.join(get_args(OutboxMode))}, got {mode!r}"
            )
        self.mode = mode
        self.table = table
        self.schema = schema
        self.require_capture = require_capture
        self.signer = signer
        self._checked: weakref.WeakKeyDictionary[sa.Engine, _Statements] = (
            weakref.WeakKeyDictionary()
        )

    def _statements(self, connection: sa.Connection) -> _Statements:
        """Read the record (and check capture) on ``connection``: the first time per engine."""
        record = read_record(connection, self.schema)
        if capture_required(self.require_capture):
            record = require_capture(connection, record, schema=self.schema)
        if record is None:
            if self.signer is not None:
                raise OutboxConfigError(_NOT_SIGNABLE + "this database recorded no settings")
            return _Statements(self.mode or DEFAULT_MODE, self.table, self.schema)
        self._check_agrees(record, connection)
        column = record.header_columns.get(wire.SIGNATURE_COLUMN) == wire.SIGNATURE_HEADER
        signable = column and record.mode != "retain"
        if self.signer is not None and not signable:
            raise OutboxConfigError(
                _NOT_SIGNABLE + f"it recorded mode {record.mode!r} and header columns "
                f"{dict(record.header_columns)} ({record.where})"
            )
        return _Statements(record.mode, record.table, record.schema, signed=signable)

    def _check_agrees(self, record: OutboxRecord, connection: sa.Connection) -> None:
        given = {"mode": (self.mode, record.mode), "table": (self.table, record.table)}
        differ = [
            f"{name}={mine!r}"
            for name, (mine, theirs) in given.items()
            if mine is not None and mine != theirs
        ]
        if differ:
            database = connection.execute(sa.text("SELECT current_database()")).scalar_one()
            raise OutboxMismatchError(
                f"Outbox({', '.join(differ)}) disagrees with the outbox settings database "
                f"{database!r} recorded when it was migrated: mode {record.mode!r}, table "
                f"{record.qualified_table or 'none'} ({record.where}). Nothing was written "
                "and the transaction was rolled back. Leave mode/table out to follow the "
                "database, or migrate it for the mode you want"
            )

    def _forget(self, engine: sa.Engine) -> None:
        self._checked.pop(engine, None)

    def publish(self, session: Session, event: Event) -> None:
        """Add ``event`` to ``session``'s transaction; it is relayed once the caller commits."""
        _require_event(event)
        connection = session.connection()
        engine = connection.engine
        statements = self._checked.get(engine)
        if statements is None:
            try:
                statements = self._statements(connection)
            except (CaptureMissingError, OutboxMismatchError, OutboxConfigError):
                session.rollback()
                raise
            self._checked[engine] = statements
        try:
            for statement, params in statements.for_event(event, self.signer):
                session.execute(statement, params)
        except BaseException:
            self._forget(engine)
            raise

    async def publish_async(self, session: AsyncSession, event: Event) -> None:
        """``publish`` for an ``AsyncSession`` (asyncpg)."""
        _require_event(event)
        engine = (await session.connection()).engine.sync_engine
        statements = self._checked.get(engine)
        if statements is None:
            try:
                statements = await session.run_sync(
                    lambda sync: self._statements(sync.connection())
                )
            except (CaptureMissingError, OutboxMismatchError, OutboxConfigError):
                await session.rollback()
                raise
            self._checked[engine] = statements
        try:
            for statement, params in statements.for_event(event, self.signer):
                await session.execute(statement, params)
        except BaseException:
            self._forget(engine)
            raise


_NOT_SIGNABLE = (
    "Outbox(signer=...) needs a database migrated with the signature header column "
    f"(MigrationSettings(extra_header_columns={{{wire.SIGNATURE_COLUMN!r}: "
    f"{wire.SIGNATURE_HEADER!r}}})) in mode table or wal-message; nothing was written: "
)


def _require_event(event: object) -> None:
    if not isinstance(event, Event):
        raise InvalidEventError(f"publish() needs an outbox.Event, got {type(event).__name__}")


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
    exists exactly when the caller's business rows do. On a database without capture for
    its outbox (``CaptureMissingError``) or recorded for another mode
    (``OutboxMismatchError``) it rolls the transaction back and raises (see ``Outbox``).
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
