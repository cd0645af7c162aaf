"""Helpers for the inbox's integration tests: records in the relay's shape, a worker in
a thread, and a side-effect table with no unique constraint (a repeat shows as a row)."""

from __future__ import annotations

import itertools
import json
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa
from kafka import KafkaProducer
from sqlalchemy.orm import Session

from postroom.connectors import ensure_topics
from postroom.devstack import EmbeddedStack
from postroom.inbox import HandlerRegistry, InboxConfig, InboxMessage, InboxWorker
from postroom.outbox import uuid7

_topics = itertools.count()

FAST = {"session_timeout_ms": 2000, "heartbeat_interval_ms": 500, "fetch_max_wait_ms": 10}


def new_topic(stack: EmbeddedStack, partitions: int = 1) -> str:
    topic = f"outbox.event.inbox{next(_topics)}x{uuid.uuid4().hex[:6]}"
    ensure_topics(stack.bootstrap_servers, [topic], partitions=partitions)
    return topic


@dataclass
class Sent:
    id: uuid.UUID
    key: str


def relay_record(
    event_type: str,
    payload: Any,
    *,
    key: str = "agg-1",
    message_id: uuid.UUID | None = None,
    schema_version: int = 1,
    raw_value: bytes | None = None,
    traceparent: str | None = None,
) -> tuple[bytes, bytes, list[tuple[str, bytes]], uuid.UUID]:
    """Key, value and headers exactly as the relay produces them (see connectors/_kafka_sink)."""
    message_id = message_id or uuid7()
    headers = [
        ("id", str(message_id).encode()),
        ("eventType", event_type.encode()),
        ("timestamp", b"2026-11-23T10:37:48.696853Z"),
        ("schemaVersion", str(schema_version).encode()),
    ]
    if traceparent:
        headers.append(("traceparent", traceparent.encode()))
    value = raw_value if raw_value is not None else json.dumps(payload).encode()
    return key.encode(), value, headers, message_id


class Producer:
    def __init__(self, bootstrap_servers: str) -> None:
        self.kafka = KafkaProducer(bootstrap_servers=bootstrap_servers, acks="all", linger_ms=5)

    def send(self, topic: str, event_type: str, payload: Any = None, **kw: Any) -> Sent:
        key, value, headers, message_id = relay_record(event_type, payload or {}, **kw)
        self.kafka.send(topic, key=key, value=value, headers=headers).get(timeout=30)
        return Sent(message_id, key.decode())

    def send_raw(self, topic: str, key: bytes, value: bytes, headers: Sequence[Any]) -> None:
        self.kafka.send(topic, key=key, value=value, headers=list(headers)).get(timeout=30)


@pytest.fixture
def producer(stack: EmbeddedStack) -> Iterator[Producer]:
    p = Producer(stack.bootstrap_servers)
    yield p
    p.kafka.close(timeout=5)


@dataclass
class Reader:
    """The consuming service's database with an ``effect`` table."""

    engine: sa.Engine
    url: str

    def effects(self, message_id: uuid.UUID | None = None) -> int:
        query = "SELECT count(*) FROM effect" + (" WHERE message_id = :id" if message_id else "")
        with self.engine.connect() as connection:
            return int(connection.execute(sa.text(query), {"id": message_id}).scalar_one())

    def distinct_effects(self) -> int:
        with self.engine.connect() as connection:
            query = sa.text("SELECT count(DISTINCT message_id) FROM effect")
            return int(connection.execute(query).scalar_one())


@pytest.fixture
def reader(new_database: Callable[[str], tuple[str, sa.Engine]]) -> Reader:
    url, engine = new_database("inbox")
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE effect (message_id uuid, note text)"))
    return Reader(engine, url)


def record_effect(session: Session, message: InboxMessage) -> None:
    """A handler whose every run leaves one more row."""
    session.execute(
        sa.text("INSERT INTO effect VALUES (:id, :note)"),
        {"id": message.id, "note": json.dumps(message.payload)},
    )


@dataclass
class Running:
    worker: InboxWorker
    thread: threading.Thread
    stop: threading.Event = field(default_factory=threading.Event)

    def halt(self) -> None:
        self.stop.set()
        self.thread.join(30)


@pytest.fixture
def start_worker(stack: EmbeddedStack) -> Iterator[Callable[..., Running]]:
    """Factory: an ``InboxWorker`` polling in a thread; every one is stopped after the test."""
    running: list[Running] = []

    def start(
        registry: HandlerRegistry, engine: sa.Engine, *, wait: bool = True, **config: Any
    ) -> Running:
        settings = {**FAST, "bootstrap_servers": stack.bootstrap_servers, **config}
        worker = InboxWorker(InboxConfig(**settings), registry, engine)
        stop = threading.Event()
        thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
        handle = Running(worker, thread, stop)
        running.append(handle)
        thread.start()
        if wait:
            assert worker.assigned.wait(30), "the worker got no partitions in 30 s"
        return handle

    yield start
    for handle in running:
        handle.halt()
