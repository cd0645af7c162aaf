"""``AsyncInboxProcessor``: the same exactly-once-in-effect contract for async handlers,
on an ``AsyncEngine`` (asyncpg) and ``AsyncSession``.

``InboxWorker`` is a kafka-python (blocking) consumer; given an ``AsyncEngine`` it wraps
this processor in ``BlockingAsyncProcessor``, which runs each call to completion on an
event loop owned by the worker's thread, so the Kafka commit still comes after the
database commit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from postroom.inbox._message import InboxMessage
from postroom.inbox._processor import (
    AfterCommit,
    Outcome,
    _ProcessorBase,
    batch_params,
    record_params,
)
from postroom.inbox._registry import HandlerRegistry
from postroom.inbox._table import DEFAULT_INBOX_TABLE
from postroom.inbox._tracing import handler_span

__all__ = ["AsyncInboxProcessor", "BlockingAsyncProcessor"]


class AsyncInboxProcessor(_ProcessorBase):
    """Run ``registry``'s async handler for a message inside the transaction recording it."""

    _handlers_async = True

    def __init__(
        self,
        engine: AsyncEngine,
        consumer: str,
        registry: HandlerRegistry,
        *,
        schema: str | None = None,
        table: str = DEFAULT_INBOX_TABLE,
    ) -> None:
        if not isinstance(engine, AsyncEngine):
            raise TypeError(f"AsyncInboxProcessor needs an AsyncEngine, got {engine!r}")
        self._setup(consumer, registry, schema=schema, table=table)
        self.engine = engine

    async def _run(self, session: AsyncSession, handler: Any, message: InboxMessage) -> None:
        with handler_span(message, self.consumer):
            await handler(session, message)

    async def process(self, message: InboxMessage) -> Outcome:
        """As ``InboxProcessor.process``, awaiting the handler."""
        resolved = self.registry.resolve(message)
        if resolved is None:
            return Outcome.IGNORED
        registration, current = resolved
        async with AsyncSession(self.engine) as session, session.begin():
            inserted = await session.execute(
                self._dedupe_one, record_params(self.consumer, current)
            )
            if inserted.first() is None:
                outcome = Outcome.DUPLICATE
            else:
                await self._run(session, registration.handler, current)
                outcome = Outcome.HANDLED
        self._committed(current, outcome)
        return outcome

    async def process_batch(self, messages: Sequence[InboxMessage]) -> list[Outcome]:
        """As ``InboxProcessor.process_batch``: one dedupe statement, one commit."""
        resolved = [self.registry.resolve(message) for message in messages]
        todo = [(i, r) for i, r in enumerate(resolved) if r is not None]
        outcomes = [Outcome.IGNORED] * len(messages)
        if not todo:
            return outcomes
        params = batch_params(self.consumer, [message for _, (_, message) in todo])
        async with AsyncSession(self.engine) as session, session.begin():
            new = {row[0] for row in await session.execute(self._dedupe_many, params)}
            for index, (registration, message) in todo:
                if message.id in new:
                    new.discard(message.id)
                    await self._run(session, registration.handler, message)
                    outcomes[index] = Outcome.HANDLED
                else:
                    outcomes[index] = Outcome.DUPLICATE
        for index, (_, message) in todo:
            self._committed(message, outcomes[index])
        return outcomes

    def _committed(self, message: InboxMessage, outcome: Outcome) -> None:
        for hook in self.after_commit:
            hook(message, outcome)


class BlockingAsyncProcessor:
    """An ``AsyncInboxProcessor`` behind ``InboxProcessor``'s blocking interface.

    Owns one event loop (``asyncio.Runner``); use it from one thread only.
    """

    def __init__(self, processor: AsyncInboxProcessor) -> None:
        self.processor = processor
        self._runner = asyncio.Runner()

    @property
    def after_commit(self) -> list[AfterCommit]:
        return self.processor.after_commit

    def process(self, message: InboxMessage) -> Outcome:
        return self._runner.run(self.processor.process(message))

    def process_batch(self, messages: Sequence[InboxMessage]) -> list[Outcome]:
        return self._runner.run(self.processor.process_batch(messages))

    def close(self) -> None:
        self._runner.run(self.processor.engine.dispose())
        self._runner.close()
