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

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from postroom.inbox._message import InboxMessage
from postroom.inbox._processor import AfterCommit, Outcome, _Plan, _ProcessorBase
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

    async def process(self, message: InboxMessage) -> Outcome:
        """As ``InboxProcessor.process``, awaiting the handler."""
        return (await self.process_batch([message]))[0]

    async def process_batch(self, messages: Sequence[InboxMessage]) -> list[Outcome]:
        """As ``InboxProcessor.process_batch``: one dedupe statement, one commit."""
        plan = _Plan(self.registry, messages)
        if not plan.todo:
            return plan.outcomes
        statement, params = plan.dedupe(self)
        async with AsyncSession(self.engine) as session, session.begin():
            new = {row[0] for row in await session.execute(statement, params)}
            for registration, message in plan.to_handle(new):
                with handler_span(message, self.consumer):
                    await registration.handler(session, message)
        return plan.committed(self.after_commit)


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
