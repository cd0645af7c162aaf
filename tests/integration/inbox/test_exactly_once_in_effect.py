"""Must show 1: redelivery, a crash between the two commits, and a rebalance never
repeat a side effect (real PostgreSQL, real broker, real Debezium where it says so)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from sqlalchemy.orm import Session

from postroom import migrations
from postroom.connectors import ConnectorConfig, Relay, RelaySource, ensure_topics
from postroom.devstack import EmbeddedStack, stop_pid
from postroom.inbox import HandlerRegistry
from postroom.outbox import Event, publish
from tests.integration.conftest import eventually
from tests.integration.inbox.conftest import (
    Producer,
    Reader,
    Running,
    new_topic,
    record_effect,
    relay_record,
)

ROOT = Path(__file__).resolve().parents[3]


def effect_registry(event_type: str = "OrderPlaced") -> HandlerRegistry:
    registry = HandlerRegistry()
    registry.on(event_type)(record_effect)
    return registry


def test_the_same_message_delivered_three_times_has_one_side_effect(
    stack: EmbeddedStack,
    producer: Producer,
    reader: Reader,
    start_worker: Callable[..., Running],
) -> None:
    topic = new_topic(stack, partitions=3)
    running = start_worker(effect_registry(), reader.engine, consumer="thrice", topics=(topic,))
    key, value, headers, message_id = relay_record("OrderPlaced", {"n": 1})
    for _ in range(3):
        producer.send_raw(topic, key, value, headers)
    marker = producer.send(topic, "OrderPlaced", {"marker": True})  # same key: after them

    eventually(lambda: reader.effects(marker.id) == 1, what="the marker behind the copies")
    assert reader.effects(message_id) == 1
    assert running.worker.outcomes["duplicate"] == 2


@pytest.fixture
def parcel_relay(stack: EmbeddedStack, tmp_path: Path) -> Iterator[tuple[sa.Engine, str]]:
    """A writer database relayed by real Debezium to ``outbox.event.parcel``."""
    url = stack.postgres.create_database("inbox_crash_writer")
    migrations.upgrade(url)
    writer = sa.create_engine(url)
    topic = "outbox.event.parcel"
    ensure_topics(stack.bootstrap_servers, [topic], partitions=1)
    relay = Relay(
        [RelaySource(ConnectorConfig.from_url("inbox_crash", url), url)],
        bootstrap_servers=stack.bootstrap_servers,
        state_dir=tmp_path / "relay",
    ).start()
    try:
        relay.wait_streaming()
        yield writer, topic
    finally:
        relay.stop()
        writer.dispose()
    assert not relay.errors


def committed_offset(bootstrap_servers: str, group: str, topic: str) -> int | None:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap_servers, group_id=group)
    try:
        offset: int | None = consumer.committed(TopicPartition(topic, 0))
        return offset
    finally:
        consumer.close(autocommit=False)


@pytest.mark.chaos
def test_a_worker_killed_between_db_commit_and_offset_commit_repeats_nothing(
    stack: EmbeddedStack,
    parcel_relay: tuple[sa.Engine, str],
    reader: Reader,
    start_worker: Callable[..., Running],
) -> None:
    writer, topic = parcel_relay
    group = "crash-once"
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.integration.inbox.worker_process",
            "crash-after-commit",
            reader.url,
            stack.bootstrap_servers,
            topic,
            group,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == "polling\n"
        event = Event(
            aggregate_type="parcel", aggregate_id="p-1", type="ParcelSent", payload={"p": 1}
        )
        with Session(writer) as session, session.begin():
            publish(session, event)
        assert child.wait(timeout=60) == -9, "the worker was not SIGKILLed"
        assert f"committed {event.id}" in child.stdout.read()
    finally:
        stop_pid(child.pid)
        if child.stdout is not None:
            child.stdout.close()

    # The database transaction committed; the Kafka offset did not.
    assert reader.effects(event.id) == 1
    assert committed_offset(stack.bootstrap_servers, group, topic) in (None, 0)

    running = start_worker(
        effect_registry("ParcelSent"), reader.engine, consumer=group, topics=(topic,)
    )
    eventually(lambda: running.worker.outcomes["duplicate"] == 1, what="the redelivery")
    assert reader.effects(event.id) == 1
    assert running.worker.outcomes["handled"] == 0


@pytest.mark.slow
@pytest.mark.chaos
@pytest.mark.parametrize("batch", [False, True], ids=["per-message", "batch"])
def test_two_workers_and_rebalances_in_the_middle_of_10000_messages_handle_each_once(
    stack: EmbeddedStack,
    reader: Reader,
    start_worker: Callable[..., Running],
    batch: bool,
) -> None:
    topic = new_topic(stack, partitions=4)
    total = 10_000
    kafka = KafkaProducer(bootstrap_servers=stack.bootstrap_servers, acks="all", linger_ms=20)
    try:
        for n in range(total):
            key, value, headers, _ = relay_record("OrderPlaced", {"n": n}, key=f"k{n % 97}")
            kafka.send(topic, key=key, value=value, headers=headers)
        kafka.flush(timeout=60)
    finally:
        kafka.close(timeout=5)

    settings = {"consumer": f"rebalance-{batch}", "topics": (topic,), "batch": batch}
    first = start_worker(effect_registry(), reader.engine, max_poll_records=200, **settings)
    eventually(lambda: reader.effects() >= total * 0.3, timeout=60, what="30% handled")
    second = start_worker(
        effect_registry(), reader.engine, wait=False, max_poll_records=200, **settings
    )
    eventually(lambda: second.worker.assigned.is_set(), timeout=30, what="the join")
    eventually(lambda: reader.effects() >= total * 0.6, timeout=60, what="60% handled")
    first.halt()  # graceful leave: a second rebalance, everything moves to the survivor
    eventually(lambda: reader.distinct_effects() == total, timeout=60, what="all handled")
    time.sleep(1)  # let any straggling redelivery land before counting

    assert reader.effects() == total  # no message's effect twice
    handled = first.worker.outcomes["handled"] + second.worker.outcomes["handled"]
    assert handled == total
    assert second.worker.outcomes["handled"] > 0


@pytest.mark.chaos
def test_sigterm_mid_stream_commits_what_is_done_and_nothing_is_handled_twice(
    stack: EmbeddedStack,
    reader: Reader,
    start_worker: Callable[..., Running],
) -> None:
    topic = new_topic(stack, partitions=2)
    total = 3_000
    kafka = KafkaProducer(bootstrap_servers=stack.bootstrap_servers, acks="all", linger_ms=20)
    try:
        for n in range(total):
            key, value, headers, _ = relay_record("ParcelSent", {"n": n}, key=f"k{n % 31}")
            kafka.send(topic, key=key, value=value, headers=headers)
        kafka.flush(timeout=60)
    finally:
        kafka.close(timeout=5)
    group = "graceful"
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.integration.inbox.worker_process",
            "run",
            reader.url,
            stack.bootstrap_servers,
            topic,
            group,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == "polling\n"
        eventually(lambda: reader.effects() >= 300, timeout=60, what="the first 300")
        child.send_signal(signal.SIGTERM)
        assert child.wait(timeout=30) == 0, "the worker did not exit cleanly on SIGTERM"
        handled = int(child.stdout.read().split("stopped after ")[1].split()[0])
    finally:
        stop_pid(child.pid)
        if child.stdout is not None:
            child.stdout.close()
    assert 300 <= handled < total
    assert reader.effects() == handled

    running = start_worker(
        effect_registry("ParcelSent"), reader.engine, consumer=group, topics=(topic,)
    )
    eventually(lambda: reader.distinct_effects() == total, timeout=60, what="the rest")
    assert running.worker.outcomes["duplicate"] == 0  # every done record was committed
    assert running.worker.outcomes["handled"] == total - handled
    assert reader.effects() == total
