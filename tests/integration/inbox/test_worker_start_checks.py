"""An ``InboxWorker`` that could only fail every message refuses to start, saying why."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from postroom import migrations
from postroom.database_url import async_url
from postroom.devstack import EmbeddedStack, free_port
from postroom.errors import DatabaseUnavailableError, InboxConfigError, MissingTableError
from postroom.inbox import HandlerRegistry, InboxConfig, InboxWorker


def config(stack: EmbeddedStack, schema: str | None = None) -> InboxConfig:
    return InboxConfig(
        consumer="start-checks",
        topics=("outbox.event.start_checks",),
        bootstrap_servers=stack.bootstrap_servers,
        schema=schema,
    )


def test_a_database_without_the_inbox_table_is_refused(stack: EmbeddedStack) -> None:
    url = stack.postgres.create_database("inbox_no_table")
    engine = sa.create_engine(url)
    try:
        with pytest.raises(MissingTableError) as caught:
            InboxWorker(config(stack), HandlerRegistry(), engine)
    finally:
        engine.dispose()
    assert str(caught.value).startswith(
        "the inbox table inbox_message does not exist in 127.0.0.1:"
    )
    assert "run `postroom migrate upgrade --database-url URL`" in str(caught.value)


def test_the_table_is_looked_for_in_the_configured_schema(stack: EmbeddedStack) -> None:
    url = stack.postgres.create_database("inbox_other_schema")
    migrations.upgrade(url)  # into the search_path schema, not "billing"
    engine = sa.create_engine(url)
    try:
        with pytest.raises(MissingTableError, match=r"billing\.inbox_message .* --schema billing`"):
            InboxWorker(config(stack, schema="billing"), HandlerRegistry(), engine)
    finally:
        engine.dispose()


def test_an_async_driver_in_a_sync_engine_is_refused(stack: EmbeddedStack) -> None:
    url = stack.postgres.create_database("inbox_async_in_sync")
    migrations.upgrade(url)
    engine = sa.create_engine(async_url(url))
    with pytest.raises(InboxConfigError, match="async driver asyncpg in a synchronous Engine"):
        InboxWorker(config(stack), HandlerRegistry(), engine)


def test_an_unreachable_database_is_refused(stack: EmbeddedStack) -> None:
    engine = sa.create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/x")
    with pytest.raises(DatabaseUnavailableError) as caught:
        InboxWorker(config(stack), HandlerRegistry(), engine)
    assert caught.value.retriable


def test_a_migrated_database_passes_with_a_sync_or_an_async_engine(stack: EmbeddedStack) -> None:
    url = stack.postgres.create_database("inbox_ready")
    migrations.upgrade(url)
    for engine in (sa.create_engine(url), create_async_engine(async_url(url))):
        worker = InboxWorker(config(stack), HandlerRegistry(), engine)
        worker.close()
