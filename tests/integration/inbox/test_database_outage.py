"""A database outage is not the message's fault: the worker stops (retriable error)
without committing the offset or dead-lettering, and after recovery the message is
handled exactly once."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from postroom.devstack import EmbeddedStack
from postroom.errors import InboxError
from postroom.inbox import HandlerRegistry, InboxConfig, InboxWorker
from tests.integration.conftest import eventually
from tests.integration.inbox.conftest import (
    FAST,
    Producer,
    Reader,
    Running,
    new_topic,
    record_effect,
)


@contextmanager
def database_down(stack: EmbeddedStack, reader: Reader) -> Iterator[None]:
    """Refuse new connections to the reader's database and cut the open ones."""
    name = sa.make_url(reader.url).database
    admin = sa.create_engine(stack.postgres.url("postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            connection.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
                ),
                {"n": name},
            )
        yield
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()


@pytest.mark.chaos
def test_a_database_outage_stops_the_worker_and_nothing_is_lost_or_repeated(
    stack: EmbeddedStack,
    producer: Producer,
    reader: Reader,
    start_worker: Callable[..., Running],
) -> None:
    topic = new_topic(stack)
    registry = HandlerRegistry()
    registry.on("OrderPlaced")(record_effect)
    config = InboxConfig(
        consumer="outage",
        topics=(topic,),
        bootstrap_servers=stack.bootstrap_servers,
        max_attempts=2,
        retry_backoff_s=0.05,
        **FAST,  # type: ignore[arg-type]
    )
    worker = InboxWorker(config, registry, reader.engine)
    raised: list[BaseException] = []

    def run() -> None:
        try:
            worker.run(threading.Event())
        except BaseException as exc:
            raised.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    before = producer.send(topic, "OrderPlaced", {"n": 1})
    eventually(lambda: reader.effects(before.id) == 1, what="the message before the outage")

    with database_down(stack, reader):
        during = producer.send(topic, "OrderPlaced", {"n": 2})
        thread.join(30)
        assert not thread.is_alive(), "the worker kept running without its database"
    [error] = raised
    assert isinstance(error, InboxError) and error.retriable
    assert "database unavailable" in str(error)
    assert worker.outcomes["dead-lettered"] == 0

    reader.engine.dispose()  # drop the pool's dead connections
    running = start_worker(registry, reader.engine, consumer="outage", topics=(topic,))
    eventually(lambda: reader.effects(during.id) == 1, what="the message after recovery")
    assert reader.effects(before.id) == 1
    assert running.worker.outcomes["duplicate"] == 0  # the first one's offset was committed
