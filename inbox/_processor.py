"""Handle decoded messages exactly once in effect: dedupe row and side effects commit
together, or not at all.

This is the heart of the inbox, and independent of Kafka: ``InboxWorker`` feeds it from a
consumer group, ``inbox.testing`` feeds it from memory.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Sequence
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from postroom.errors import InboxConfigError, InboxError
from postroom.inbox._message import InboxMessage
from postroom.inbox._registry import HandlerRegistry, Registration
from postroom.inbox._table import DEFAULT_INBOX_TABLE, inbox_table
from postroom.inbox._tracing import handler_span

__all__ = [
    "AfterCommit",
    "InboxProcessor",
    "Outcome",
    "Processor",
    "batch_params",
    "dedupe_statement",
    "record_params",
    "record_statement",
]


class Outcome(enum.Enum):
    HANDLED = "handled"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"


#: Called after a message's transaction committed (or was found a duplicate).
AfterCommit = Callable[[InboxMessage, Outcome], None]


class Processor(Protocol):
    """What the worker and ``inbox.testing`` need of a processor (sync or async-backed).

    ``process`` records and handles one message in one transaction (``DUPLICATE`` if it
    was recorded before); ``process_batch`` does many in one transaction, all or nothing.
    Both raise ``UnknownEventTypeError``/``UnknownSchemaVersionError`` for messages that
    can't be handled, and whatever a handler raised, after rolling back.
    """

    @property
    def after_commit(self) -> list[AfterCommit]: ...

    def process(self, message: InboxMessage) -> Outcome: ...

    def process_batch(self, messages: Sequence[InboxMessage]) -> list[Outcome]: ...


def dedupe_statement(table: sa.Table) -> sa.TextClause:
    """One INSERT for many messages: returns the ids that were new to this consumer."""
    name = table.name if table.schema is None else f'"{table.schema}"."{table.name}"'
    return sa.text(
        f'INSERT INTO {name} (consumer, message_id, topic, partition, "offset") '
        "SELECT :consumer, m.id, m.topic, m.partition, m.off "
        "FROM unnest(CAST(:ids AS uuid[]), CAST(:topics AS text[]), "
        "CAST(:partitions AS integer[]), CAST(:offsets AS bigint[])) "
        "AS m(id, topic, partition, off) "
        "ON CONFLICT DO NOTHING RETURNING message_id"
    )


def record_statement(table: sa.Table) -> sa.Executable:
    """The dedupe INSERT for one message (params: ``record_params``); returns its id if new.

    Built once per processor: constructing a statement per message costs more than
    executing it.
    """
    return (
        pg_insert(table)
        .values(
            consumer=sa.bindparam("consumer"),
            message_id=sa.bindparam("message_id"),
            topic=sa.bindparam("topic"),
            partition=sa.bindparam("partition"),
            offset=sa.bindparam("offset"),
        )
        .on_conflict_do_nothing()
        .returning(table.c.message_id)
    )


def record_params(consumer: str, message: InboxMessage) -> dict[str, object]:
    return {
        "consumer": consumer,
        "message_id": message.id,
        "topic": message.topic,
        "partition": message.partition,
        "offset": message.offset,
    }


def batch_params(consumer: str, messages: Sequence[InboxMessage]) -> dict[str, object]:
    """Parameters of ``dedupe_statement`` for the distinct ids of ``messages``, sorted.

    Sorted so that two workers inserting overlapping batches take the primary-key locks
    in the same order (no deadlock).
    """
    first_seen: dict[object, InboxMessage] = {}
    for message in messages:
        first_seen.setdefault(message.id, message)
    rows = sorted(first_seen.values(), key=lambda m: m.id)
    return {
        "consumer": consumer,
        "ids": [m.id for m in rows],
        "topics": [m.topic for m in rows],
        "partitions": [m.partition for m in rows],
        "offsets": [m.offset for m in rows],
    }


class _Plan:
    """One transaction's work for a batch: the messages to record and, once the database
    has said which ids are new, the handlers to run. Written once for both processors,
    which only differ in how they talk to the database (blocking or ``await``)."""

    def __init__(self, registry: HandlerRegistry, messages: Sequence[InboxMessage]) -> None:
        resolved = [registry.resolve(message) for message in messages]
        self.todo = [(index, r) for index, r in enumerate(resolved) if r is not None]
        self.outcomes = [Outcome.IGNORED] * len(messages)

    def dedupe(self, processor: _ProcessorBase) -> tuple[sa.Executable, dict[str, object]]:
        """The dedupe INSERT and its parameters: the one-row statement for one message."""
        messages = [message for _, (_, message) in self.todo]
        if len(messages) == 1:
            return processor._dedupe_one, record_params(processor.consumer, messages[0])
        return processor._dedupe_many, batch_params(processor.consumer, messages)

    def to_handle(self, new: set[object]) -> Iterator[tuple[Registration, InboxMessage]]:
        """The messages whose ids were new, each once; every other one is a duplicate."""
        for index, (registration, message) in self.todo:
            if message.id in new:
                new.discard(message.id)  # a second copy in the same batch is a duplicate
                self.outcomes[index] = Outcome.HANDLED
                yield registration, message
            else:
                self.outcomes[index] = Outcome.DUPLICATE

    def committed(self, hooks: Sequence[AfterCommit]) -> list[Outcome]:
        for index, (_, message) in self.todo:
            for hook in hooks:
                hook(message, self.outcomes[index])
        return self.outcomes


class _ProcessorBase:
    """What both processors share: the consumer name, the registry (checked to hold only
    sync or only async handlers), the inbox table and its statements, the hooks."""

    _handlers_async: bool = False

    def _setup(
        self, consumer: str, registry: HandlerRegistry, *, schema: str | None, table: str
    ) -> None:
        if not consumer:
            raise InboxConfigError("consumer must be a non-empty name")
        for registration in registry.registrations():
            if registration.is_async != self._handlers_async:
                kind = "async" if registration.is_async else "not async"
                other = (
                    "AsyncInboxProcessor with an AsyncEngine"
                    if registration.is_async
                    else ("InboxProcessor with a sync Engine")
                )
                raise InboxError(f"handler for {registration.event_type!r} is {kind}: use {other}")
        self.consumer = consumer
        self.registry = registry
        self.table = inbox_table(sa.MetaData(), name=table, schema=schema)
        self._dedupe_many = dedupe_statement(self.table)
        self._dedupe_one = record_statement(self.table)
        self._after_commit: list[AfterCommit] = []

    @property
    def after_commit(self) -> list[AfterCommit]:
        """Hooks run after each commit, in order (metrics, tests' crash points)."""
        return self._after_commit


class InboxProcessor(_ProcessorBase):
    """Run ``registry``'s handler for a message inside the transaction that records it."""

    def __init__(
        self,
        engine: sa.Engine,
        consumer: str,
        registry: HandlerRegistry,
        *,
        schema: str | None = None,
        table: str = DEFAULT_INBOX_TABLE,
    ) -> None:
        if not isinstance(engine, sa.Engine):
            raise TypeError(f"InboxProcessor needs a sync sqlalchemy Engine, got {engine!r}")
        self._setup(consumer, registry, schema=schema, table=table)
        self.engine = engine

    def process(self, message: InboxMessage) -> Outcome:
        """Record and handle ``message`` in one transaction; skip it if already recorded.

        The dedupe INSERT comes first so that a concurrent duplicate (another worker after
        a rebalance) blocks on the primary key until this transaction ends, then finds
        the row and skips: the handler runs once whichever transaction wins.
        Raises ``UnknownEventTypeError``/``UnknownSchemaVersionError`` before touching
        the database, and whatever the handler raises (after rolling back).
        """
        return self.process_batch([message])[0]

    def process_batch(self, messages: Sequence[InboxMessage]) -> list[Outcome]:
        """Dedupe all ``messages`` with one INSERT, run the new ones' handlers, one commit.

        All or nothing: if resolving or any handler raises, the transaction rolls back
        and the error propagates; the caller then falls back to ``process`` one by one.
        """
        plan = _Plan(self.registry, messages)
        if not plan.todo:
            return plan.outcomes
        statement, params = plan.dedupe(self)
        with Session(self.engine) as session, session.begin():
            new = {row[0] for row in session.execute(statement, params)}
            for registration, message in plan.to_handle(new):
                with handler_span(message, self.consumer):
                    registration.handler(session, message)
        return plan.committed(self.after_commit)
