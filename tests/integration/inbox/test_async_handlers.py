"""Async handlers run on an AsyncSession (asyncpg) with the same once-in-effect contract."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from postroom.devstack import EmbeddedStack
from postroom.errors import InboxError
from postroom.inbox import AsyncInboxProcessor, HandlerRegistry, InboxMessage
from tests.integration.conftest import eventually
from tests.integration.inbox.conftest import Producer, Reader, Running, new_topic, relay_record


def async_url(url: str) -> str:
    return sa.make_url(url).set(drivername="postgresql+asyncpg").render_as_string(False)


@pytest.mark.parametrize("batch", [False, True], ids=["per-message", "batch"])
def test_an_async_handler_runs_once_per_message_on_asyncpg(
    stack: EmbeddedStack,
    producer: Producer,
    reader: Reader,
    start_worker: Callable[..., Running],
    batch: bool,
) -> None:
    registry = HandlerRegistry()

    @registry.on("OrderPlaced")
    async def ship(session: AsyncSession, message: InboxMessage) -> None:
        await session.execute(
            sa.text("INSERT INTO effect VALUES (:id, :note)"),
            {"id": message.id, "note": json.dumps(message.payload)},
        )

    topic = new_topic(stack)
    engine = create_async_engine(async_url(reader.url))
    running = start_worker(
        registry, engine, consumer=f"async-{batch}", topics=(topic,), batch=batch
    )
    key, value, headers, message_id = relay_record("OrderPlaced", {"n": 1})
    for _ in range(3):
        producer.send_raw(topic, key, value, headers)
    marker = producer.send(topic, "OrderPlaced", {"n": 2})

    eventually(lambda: reader.effects(marker.id) == 1, what="the marker's effect")
    assert reader.effects(message_id) == 1
    assert running.worker.outcomes["duplicate"] == 2


def test_a_sync_handler_is_refused_by_the_async_processor(reader: Reader) -> None:
    registry = HandlerRegistry()
    registry.on("OrderPlaced")(lambda session, message: None)
    with pytest.raises(InboxError, match="not async"):
        AsyncInboxProcessor(create_async_engine(async_url(reader.url)), "c", registry)
