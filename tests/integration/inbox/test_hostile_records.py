"""Hostile records between good ones on a real topic: the worker parks each bad one on
the dead-letter topic with its reason (its bytes kept as they were), handles every good
one exactly once, and neither stops nor stalls the partition.

The bad ones are what a buggy or hostile producer can put on a topic that Postroom's own
writer never would: bytes that are not JSON or not UTF-8, nesting deeper than any parser
recurses, numbers longer than Python converts, ``NaN``, lone surrogates, missing or
mangled headers, SQL-like text, and data the handler's table refuses.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from postroom.devstack import EmbeddedStack
from postroom.inbox import HandlerRegistry, InboxMessage, read_dead_letters
from postroom.outbox import uuid7
from tests.integration.conftest import eventually
from tests.integration.inbox.conftest import (
    Producer,
    Reader,
    Running,
    new_topic,
    record_effect,
    relay_record,
)

pytestmark = pytest.mark.fuzz

SQL = "'); DROP TABLE effect; DROP TABLE inbox_message; --"


def headers_without(name: str, headers: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    return [(n, v) for n, v in headers if n != name]


def with_header(name: str, value: bytes, headers: list[tuple[str, bytes]]) -> list[Any]:
    return [*headers_without(name, headers), (name, value)]


def hostile(max_bytes: int) -> list[tuple[str, str, bytes, list[Any]]]:
    """(what, expected dead-letter reason, value, headers) of every bad record."""

    def fresh() -> list[tuple[str, bytes]]:
        return relay_record("OrderPlaced", {})[2]

    return [
        ("not JSON", "malformed", b"{'single': quotes}", fresh()),
        ("not UTF-8", "malformed", b'{"a": "\xff\xfe"}', fresh()),
        ("UTF-16", "malformed", '{"a": 1}'.encode("utf-16"), fresh()),
        ("nested 100,000 deep", "malformed", b"[" * 100_000 + b"]" * 100_000, fresh()),
        ("a 5,000-digit number", "malformed", b'{"n": ' + b"7" * 5000 + b"}", fresh()),
        ("NaN", "malformed", b'{"n": NaN}', fresh()),
        ("a lone surrogate", "malformed", b'{"name": "\\ud800"}', fresh()),
        ("a NUL", "malformed", b'{"name": "a\\u0000b"}', fresh()),
        ("no id header", "malformed", b"{}", headers_without("id", fresh())),
        ("an SQL id", "malformed", b"{}", with_header("id", SQL.encode(), fresh())),
        ("a non-UTF-8 id", "malformed", b"{}", with_header("id", b"\xc0\x80", fresh())),
        ("no eventType", "malformed", b"{}", headers_without("eventType", fresh())),
        (
            "schemaVersion ²",
            "malformed",
            b"{}",
            with_header("schemaVersion", "²".encode(), fresh()),
        ),
        ("a bad timestamp", "malformed", b"{}", with_header("timestamp", SQL.encode(), fresh())),
        ("oversized", "oversized", b'"' + b"x" * max_bytes + b'"', fresh()),
        (
            "an SQL event type",
            "unknown-event-type",
            b"{}",
            with_header("eventType", SQL.encode(), fresh()),
        ),
        (
            "a value the handler's table refuses",
            "handler-failed",
            json.dumps({"code": "far too long for varchar(8)"}).encode(),
            with_header("eventType", b"CodeSet", fresh()),
        ),
    ]


GOOD_PAYLOADS: list[Any] = [
    {"n": 1},
    {
        "name": SQL,
        "rtl": "\u05e9\u05dc\u05d5\u05dd \u202eevil\u202c",
        "emoji": "\U0001f9d1\u200d\U0001f680",
    },
    {"control": "\x01\x07\x1b[31m\r\n\t", "escaped": "\\u0000 is text", "big": 10**300},
    {"deep": json.loads("[" * 150 + "]" * 150)},  # deeper than a writer's limit, still fine
    None,
    [1, 2.5, None, "mixed"],
]


def registry() -> HandlerRegistry:
    handlers = HandlerRegistry()
    handlers.on("OrderPlaced")(record_effect)

    @handlers.on("CodeSet")
    def set_code(session: Session, message: InboxMessage) -> None:
        session.execute(sa.text("INSERT INTO code VALUES (:code)"), message.payload)

    return handlers


def test_hostile_records_are_dead_lettered_with_reasons_and_every_good_one_is_handled(
    stack: EmbeddedStack,
    producer: Producer,
    reader: Reader,
    start_worker: Callable[..., Running],
) -> None:
    with reader.engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE code (code varchar(8))"))
    topic = new_topic(stack, partitions=1)  # one partition: every good one is behind a bad one
    max_bytes = 300_000
    running = start_worker(
        registry(),
        reader.engine,
        consumer="hostile",
        topics=(topic,),
        max_message_bytes=max_bytes,
        max_attempts=2,
        retry_backoff_s=0.01,
        retry_delays_s=(),  # straight to the dead letters once in-place attempts are spent
    )
    bad = hostile(max_bytes)
    good = []
    for index, (_, _, value, headers) in enumerate(bad):
        payload = GOOD_PAYLOADS[index % len(GOOD_PAYLOADS)]
        key = b"\xff\xfe-not-utf8" if index == 3 else f"agg-{index}".encode()
        _, raw, good_headers, message_id = relay_record("OrderPlaced", payload)
        producer.send_raw(topic, key, raw, good_headers)
        good.append((message_id, payload))
        producer.send_raw(topic, f"bad-{index}".encode(), value, headers)
    last = producer.send(topic, "OrderPlaced", {"last": True})

    eventually(lambda: reader.effects(last.id) == 1, timeout=60, what="the last good record")
    eventually(
        lambda: running.worker.outcomes["dead-lettered"] == len(bad),
        timeout=30,
        what=f"{len(bad)} dead letters",
    )
    assert running.thread.is_alive(), "the worker stopped"

    # Every good one handled exactly once, its payload intact.
    assert reader.effects() == len(good) + 1
    with reader.engine.connect() as connection:
        notes = dict(connection.execute(sa.text("SELECT message_id, note FROM effect")).all())
    for message_id, payload in good:
        assert json.loads(notes[message_id]) == payload

    # Every bad one parked with its reason, byte for byte, pointing at where it was.
    letters = read_dead_letters(stack.bootstrap_servers, f"{topic}.dlq")
    by_key = {letter.key: letter for letter in letters}
    assert len(letters) == len(bad)
    for index, (what, reason, value, _) in enumerate(bad):
        letter = by_key[f"bad-{index}".encode()]
        summary = letter.summary()
        assert (what, summary["reason"]) == (what, reason), summary["error"]
        assert summary["error"], what
        assert letter.value == value, what
        assert summary["original_topic"] == topic
        assert summary["original_offset"] == 2 * index + 1

    # Nothing was dropped by the SQL-like text, and nothing else was written.
    with reader.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM code")).scalar_one() == 0
        recorded = connection.execute(
            sa.text("SELECT count(*) FROM inbox_message WHERE consumer = 'hostile'")
        ).scalar_one()
    assert recorded == len(good) + 1


def test_a_message_id_is_the_dedupe_key_whatever_the_payload(
    stack: EmbeddedStack,
    producer: Producer,
    reader: Reader,
    start_worker: Callable[..., Running],
) -> None:
    """The same id sent twice with different (hostile) payloads is handled once."""
    topic = new_topic(stack)
    running = start_worker(registry(), reader.engine, consumer="hostile-dedupe", topics=(topic,))
    message_id = uuid7()
    first = producer.send(topic, "OrderPlaced", {"name": SQL}, message_id=message_id)
    producer.send(topic, "OrderPlaced", {"name": "other"}, message_id=message_id)
    eventually(lambda: running.worker.outcomes["duplicate"] == 1, what="the duplicate")
    assert reader.effects(first.id) == 1


class UnparsableName(str):
    """A header name whose bytes are not UTF-8: no Kafka client writes one, a raw
    protocol producer can. kafka-python writes ``name.encode("utf-8")``."""

    def encode(self, encoding: str = "utf-8", errors: str = "strict") -> bytes:
        return b"\xff\xfe"


@pytest.mark.xfail(
    strict=True,
    reason="not fixed: kafka-python raises CorruptRecordError from poll() and the worker "
    "stops on it after every restart (docs/testing.md, 'Known and not fixed')",
)
def test_a_record_the_client_can_not_parse_is_dead_lettered_by_position(
    stack: EmbeddedStack,
    producer: Producer,
    reader: Reader,
    start_worker: Callable[..., Running],
) -> None:
    """kafka-python raises ``CorruptRecordError`` from ``poll()`` for it, before the
    worker sees the record: the worker stops, and stops again after every restart."""
    topic = new_topic(stack, partitions=2)
    running = start_worker(registry(), reader.engine, consumer="corrupt", topics=(topic,))
    sent = []
    for partition in (0, 1, 1, 0):
        key, value, headers, message_id = relay_record("OrderPlaced", {"p": partition})
        producer.kafka.send(topic, key=key, value=value, headers=headers, partition=partition)
        sent.append(message_id)
    _, value, headers, _ = relay_record("OrderPlaced", {"corrupt": True})
    producer.kafka.send(
        topic, key=b"bad", value=value, headers=[*headers, (UnparsableName("x"), b"v")], partition=1
    ).get(timeout=30)
    for partition in (1, 0):
        key, value, headers, message_id = relay_record("OrderPlaced", {"after": partition})
        producer.kafka.send(topic, key=key, value=value, headers=headers, partition=partition)
        sent.append(message_id)
    producer.kafka.flush(30)

    eventually(
        lambda: all(reader.effects(message_id) == 1 for message_id in sent),
        timeout=20,
        what="every good record, on both partitions",
    )
    eventually(lambda: running.worker.outcomes["dead-lettered"] == 1, what="the dead letter")
    assert running.thread.is_alive(), "the worker stopped"
    [letter] = read_dead_letters(stack.bootstrap_servers, f"{topic}.dlq")
    summary = letter.summary()
    assert summary["reason"] == "corrupt-record"
    assert (summary["original_topic"], summary["original_partition"]) == (topic, 1)
    assert summary["original_offset"] == 2  # the two records before it on partition 1
    assert "CorruptRecordError" in summary["exception"]
    assert reader.effects() == len(sent)
