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
from collections.abc import Coroutine, Sequence
from typing import Any, cast, get_args, overload

import sqlalchemy as sa
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
from postroom.outbox._driver_sql import DriverSql, batch_ids, batch_params, event_params
from postroom.outbox._event import Event
from postroom.outbox._modes import DEFAULT_MODE, OutboxMode
from postroom.outbox._record import OutboxRecord, read_record
from postroom.outbox._signer import EventSigner
from postroom.outbox._table import DEFAULT_OUTBOX_TABLE, RETAINED_OUTBOX_TABLE

__all__ = ["Outbox", "OutboxMode", "publish", "publish_many"]


class _Statements:
    """The SQL one mode runs for one event or one batch, against one table."""

    def __init__(
        self, mode: OutboxMode, table: str | None, schema: str | None, *, signed: bool = False
    ) -> None:
        self.mode: OutboxMode = mode
        self.signed = signed
        default = RETAINED_OUTBOX_TABLE if mode == "retain" else DEFAULT_OUTBOX_TABLE
        self.sql = DriverSql.for_mode(mode, table or default, schema, signed=signed)
        self._rendered: dict[tuple[str, bool], tuple[str, ...]] = {}

    def driver_statements(self, paramstyle: str, *, many: bool) -> tuple[str, ...]:
        """This mode's statements in the driver's placeholder style (rendered once)."""
        key = (paramstyle, many)
        rendered = self._rendered.get(key)
        if rendered is None:
            style = "numeric_dollar" if paramstyle == "numeric_dollar" else "format"
            rendered = tuple(
                DriverSql.render(sql, style) for sql in (self.sql.many if many else self.sql.one)
            )
            self._rendered[key] = rendered
        return rendered

    def params(
        self, events: Sequence[Event], signer: EventSigner | None, *, many: bool
    ) -> list[Sequence[Any]]:
        """The parameters of each of ``driver_statements`` for ``events`` (signed by
        ``signer`` where the outbox has the signature column)."""
        if many:
            batch = list(events)
            values: Sequence[Any] = batch_params(
                batch, self.mode, signed=self.signed, signer=signer
            )
            ids: Sequence[Any] = batch_ids(batch)
        else:
            values = event_params(events[0], self.mode, signed=self.signed, signer=signer)
            ids = [values[0]]
        return [values, ids][: 1 if self.mode != "table" else 2]


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

    def _checked_statements(self, session: Session) -> tuple[sa.Connection, _Statements]:
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
        return connection, statements

    def _write(self, session: Session, events: Sequence[Event], *, many: bool) -> None:
        connection, statements = self._checked_statements(session)
        try:
            sqls = statements.driver_statements(connection.dialect.paramstyle, many=many)
            params = statements.params(events, self.signer, many=many)
            if connection.dialect.driver == "psycopg":
                _execute_psycopg(connection, sqls, params)
            else:
                for sql, values in zip(sqls, params, strict=True):
                    connection.exec_driver_sql(sql, tuple(values))
        except BaseException:
            self._forget(connection.engine)
            raise

    def publish(self, session: Session, event: Event) -> None:
        """Add ``event`` to ``session``'s transaction; it is relayed once the caller commits."""
        _require_event(event)
        self._write(session, [event], many=False)

    def publish_many(self, session: Session, events: Sequence[Event]) -> None:
        """Add ``events`` to ``session``'s transaction, in order, with one statement per
        batch (``table``: one multi-row INSERT and one DELETE); the same as calling
        ``publish`` for each, only faster. An empty batch writes nothing."""
        batch = _require_events(events)
        if batch:
            self._write(session, batch, many=True)

    async def _write_async(
        self, session: AsyncSession, events: Sequence[Event], *, many: bool
    ) -> None:
        connection = await session.connection()
        engine = connection.engine.sync_engine
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
            sqls = statements.driver_statements(connection.dialect.paramstyle, many=many)
            for sql, values in zip(
                sqls, statements.params(events, self.signer, many=many), strict=True
            ):
                # The adapter's own path (it begins the transaction if nothing did yet, and
                # caches asyncpg's prepared statement); no SQL compilation per call.
                await connection.exec_driver_sql(sql, tuple(values))
        except BaseException:
            self._forget(engine)
            raise

    async def publish_async(self, session: AsyncSession, event: Event) -> None:
        """``publish`` for an ``AsyncSession`` (asyncpg)."""
        _require_event(event)
        await self._write_async(session, [event], many=False)

    async def publish_many_async(self, session: AsyncSession, events: Sequence[Event]) -> None:
        """``publish_many`` for an ``AsyncSession`` (asyncpg)."""
        batch = _require_events(events)
        if batch:
            await self._write_async(session, batch, many=True)


def _execute_psycopg(
    connection: sa.Connection, sqls: Sequence[str], params: Sequence[Sequence[Any]]
) -> None:
    """Straight to psycopg: no SQLAlchemy execution machinery per event, in the same
    transaction (psycopg began it; SQLAlchemy commits or rolls it back). Errors come out
    as SQLAlchemy's, as from ``session.execute`` (``IntegrityError`` for a duplicate id; a
    lost connection is invalidated)."""
    import psycopg

    raw = connection.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor:
        for sql, values in zip(sqls, params, strict=True):
            try:
                cursor.execute(sql, values, prepare=True)
            except psycopg.Error as exc:
                disconnect = connection.dialect.is_disconnect(cast(Any, exc), raw, None)
                error = sa.exc.DBAPIError.instance(
                    sql, values, exc, psycopg.Error, connection_invalidated=disconnect
                )
                if disconnect:
                    connection.invalidate(exc)
                raise error from exc


_NOT_SIGNABLE = (
    "Outbox(signer=...) needs a database migrated with the signature header column "
    f"(MigrationSettings(extra_header_columns={{{wire.SIGNATURE_COLUMN!r}: "
    f"{wire.SIGNATURE_HEADER!r}}})) in mode table or wal-message; nothing was written: "
)


def _require_event(event: object) -> None:
    if not isinstance(event, Event):
        raise InvalidEventError(f"publish() needs an outbox.Event, got {type(event).__name__}")


def _require_events(events: object) -> list[Event]:
    if isinstance(events, str | bytes | Event) or not isinstance(events, Sequence):
        raise InvalidEventError(
            f"publish_many() needs a sequence of outbox.Event, got {type(events).__name__}"
        )
    for index, event in enumerate(events):
        if not isinstance(event, Event):
            raise InvalidEventError(
                f"publish_many() needs outbox.Event items, item {index} is {type(event).__name__}"
            )
    return list(events)


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


@overload
def publish_many(
    session: Session, events: Sequence[Event], *, outbox: Outbox | None = None
) -> None: ...


@overload
def publish_many(
    session: AsyncSession, events: Sequence[Event], *, outbox: Outbox | None = None
) -> Coroutine[Any, Any, None]: ...


def publish_many(
    session: Session | AsyncSession, events: Sequence[Event], *, outbox: Outbox | None = None
) -> Coroutine[Any, Any, None] | None:
    """Write ``events`` to the outbox inside the caller's open transaction, in order, with
    one statement per batch: what a ``publish`` per event does, in one round trip or two.

    Sync ``Session``: returns ``None``; ``AsyncSession``: an awaitable. Validated like
    ``publish`` (``InvalidEventError`` for anything but a sequence of ``Event``), and
    refuses and rolls back in the same cases.
    """
    target = outbox or _DEFAULT
    if isinstance(session, AsyncSession):
        return target.publish_many_async(session, events)
    if isinstance(session, Session):
        target.publish_many(session, events)
        return None
    raise InvalidEventError(
        f"publish_many() needs a SQLAlchemy Session or AsyncSession, got {type(session).__name__}"
    )
