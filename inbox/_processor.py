"""Handle one decoded message exactly once in effect: dedupe row and side effects commit
together, or not at all.

This is the heart of the inbox, and independent of Kafka: ``InboxWorker`` feeds it from a
consumer group, ``inbox.testing`` feeds it from memory.
"""

from __future__ import annotations

import enum

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from inbox._message import InboxMessage
from inbox._registry import HandlerRegistry
from inbox._table import DEFAULT_INBOX_TABLE, inbox_table

__all__ = ["InboxProcessor", "Outcome"]


class Outcome(enum.Enum):
    HANDLED = "handled"
    DUPLICATE = "duplicate"
    UNKNOWN_TYPE = "unknown-event-type"
    IGNORED = "ignored"


class InboxProcessor:
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
        if not consumer:
            raise ValueError("consumer must be a non-empty name")
        self.engine = engine
        self.consumer = consumer
        self.registry = registry
        self.table = inbox_table(sa.MetaData(), name=table, schema=schema)

    def process(self, message: InboxMessage) -> Outcome:
        """Record and handle ``message`` in one transaction; skip it if already recorded.

        The dedupe INSERT comes first so that a concurrent duplicate (another worker after
        a rebalance) blocks on the primary key until this transaction ends, then finds
        the row and skips: the handler runs once whichever transaction wins.
        """
        if self.registry.is_ignored(message.type):
            return Outcome.IGNORED
        handler = self.registry.handler_for(message.type)
        if handler is None:
            return Outcome.UNKNOWN_TYPE
        record = (
            pg_insert(self.table)
            .values(
                consumer=self.consumer,
                message_id=message.id,
                topic=message.topic,
                partition=message.partition,
                offset=message.offset,
            )
            .on_conflict_do_nothing()
            .returning(self.table.c.message_id)
        )
        with Session(self.engine) as session, session.begin():
            if session.execute(record).first() is None:
                return Outcome.DUPLICATE
            handler(session, message)
        return Outcome.HANDLED
