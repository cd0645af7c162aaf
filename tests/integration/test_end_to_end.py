"""Walking skeleton, end to end: a writer's database -> real Debezium -> broker -> a
reader's inbox, with nothing faked in between."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from sqlalchemy.orm import Session

from postroom.connectors import ConnectorConfig, Relay, RelaySource, ensure_topics
from postroom.devstack import EmbeddedStack
from postroom.inbox import HandlerRegistry, InboxConfig, InboxMessage, InboxWorker
from postroom.outbox import Event, publish
from tests.integration.conftest import eventually

TOPIC = "outbox.event.order"


@dataclass
class Pipeline:
    writer: sa.Engine
    reader: sa.Engine
    worker: InboxWorker
    relay: Relay
    bootstrap_servers: str

    def side_effects(self, event_id: uuid.UUID) -> int:
        with self.reader.connect() as connection:
            return int(
                connection.execute(
                    sa.text("SELECT count(*) FROM shipment WHERE order_event = :id"),
                    {"id": event_id},
                ).scalar_one()
            )

    def inbox_has(self, event_id: uuid.UUID) -> bool:
        with self.reader.connect() as connection:
            return (
                connection.execute(
                    sa.text("SELECT 1 FROM inbox_message WHERE message_id = :id"), {"id": event_id}
                ).first()
                is not None
            )


def order_placed(order_id: str) -> Event:
    return Event(
        aggregate_type="order",
        aggregate_id=order_id,
        type="OrderPlaced",
        payload={"order_id": order_id, "items": 2},
    )


@pytest.fixture(scope="module", params=["java", "kafka-python"])
def pipeline(
    stack: EmbeddedStack, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Pipeline]:
    """Both producer paths of the relay (Java batch producer, kafka-python) must behave
    identically, so every test here runs on each."""
    from postroom import migrations

    producer: str = request.param
    name = f"e2e_{producer.replace('-', '_')}"
    writer_url = stack.postgres.create_database(f"{name}_writer")
    reader_url = stack.postgres.create_database(f"{name}_reader")
    for url in (writer_url, reader_url):
        migrations.upgrade(url)
    writer, reader = sa.create_engine(writer_url), sa.create_engine(reader_url)
    with reader.begin() as connection:
        # No unique constraint on purpose: a repeated side effect would show as a 2nd row.
        connection.execute(sa.text("CREATE TABLE shipment (order_event uuid, order_id text)"))
    ensure_topics(stack.bootstrap_servers, [TOPIC])

    registry = HandlerRegistry()

    @registry.on("OrderPlaced")
    def ship(session: Session, message: InboxMessage) -> None:
        session.execute(
            sa.text("INSERT INTO shipment VALUES (:id, :order)"),
            {"id": message.id, "order": message.payload["order_id"]},
        )

    relay = Relay(
        [RelaySource(ConnectorConfig.from_url(f"{name}_writer", writer_url), writer_url)],
        bootstrap_servers=stack.bootstrap_servers,
        state_dir=Path(tmp_path_factory.mktemp("relay")),
        producer=producer,
    )
    worker = InboxWorker(
        InboxConfig.low_latency("shipping", (TOPIC,), stack.bootstrap_servers),
        registry,
        reader,
    )
    with relay, worker.running():
        assert relay.producer == producer
        relay.wait_streaming()
        yield Pipeline(writer, reader, worker, relay, stack.bootstrap_servers)
        writer.dispose()
        reader.dispose()
    assert not relay.errors


def commit(engine: sa.Engine, write: Callable[[Session], None]) -> None:
    with Session(engine) as session, session.begin():
        write(session)


def test_a_committed_event_reaches_the_other_database(pipeline: Pipeline) -> None:
    event = order_placed("o-1")
    commit(pipeline.writer, lambda session: publish(session, event))

    eventually(lambda: pipeline.side_effects(event.id) == 1, what="the shipment row")
    assert pipeline.inbox_has(event.id)


def test_a_rolled_back_event_never_arrives(pipeline: Pipeline) -> None:
    rolled_back = order_placed("o-2")
    with Session(pipeline.writer) as session:
        publish(session, rolled_back)
        session.rollback()
    marker = order_placed("o-3")
    commit(pipeline.writer, lambda session: publish(session, marker))

    # Same aggregate topic, committed after: once the marker is handled, anything the
    # relay would ever send before it has been handled too.
    eventually(lambda: pipeline.side_effects(marker.id) == 1, what="the marker's shipment")
    assert pipeline.side_effects(rolled_back.id) == 0
    assert not pipeline.inbox_has(rolled_back.id)


def _read_back(bootstrap_servers: str, event_id: uuid.UUID) -> object:
    """Find the record the relay produced for ``event_id`` on the topic."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap_servers, enable_auto_commit=False, consumer_timeout_ms=3000
    )
    try:
        partitions = [TopicPartition(TOPIC, p) for p in consumer.partitions_for_topic(TOPIC)]
        consumer.assign(partitions)
        consumer.seek_to_beginning()
        for record in consumer:
            if (("id", str(event_id).encode())) in record.headers:
                return record
    finally:
        consumer.close()
    raise AssertionError(f"the relay's record for {event_id} is not on {TOPIC}")


def test_the_same_message_delivered_three_times_has_one_side_effect(pipeline: Pipeline) -> None:
    event = order_placed("o-4")
    commit(pipeline.writer, lambda session: publish(session, event))
    eventually(lambda: pipeline.side_effects(event.id) == 1, what="the first delivery")
    duplicates_before = pipeline.worker.outcomes["duplicate"]

    original = _read_back(pipeline.bootstrap_servers, event.id)
    producer = KafkaProducer(bootstrap_servers=pipeline.bootstrap_servers, acks="all")
    try:
        for _ in range(2):  # redeliver the very same record, as a relay replay would
            producer.send(
                TOPIC,
                key=original.key,
                value=original.value,  # type: ignore[attr-defined]
                headers=original.headers,
            )  # type: ignore[attr-defined]
        producer.flush()
    finally:
        producer.close()

    eventually(
        lambda: pipeline.worker.outcomes["duplicate"] == duplicates_before + 2,
        what="both redeliveries being seen",
    )
    assert pipeline.side_effects(event.id) == 1


def test_the_record_carries_key_headers_and_payload(pipeline: Pipeline) -> None:
    event = Event(
        aggregate_type="order",
        aggregate_id="o-5",
        type="OrderPlaced",
        payload={"order_id": "o-5", "items": 1},
        traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    )
    commit(pipeline.writer, lambda session: publish(session, event))
    eventually(lambda: pipeline.side_effects(event.id) == 1, what="the shipment row")

    record = _read_back(pipeline.bootstrap_servers, event.id)
    headers = dict(record.headers)  # type: ignore[attr-defined]
    assert record.key == b"o-5"  # type: ignore[attr-defined]
    assert json.loads(record.value) == {"order_id": "o-5", "items": 1}  # type: ignore[attr-defined]
    assert headers["eventType"] == b"OrderPlaced"
    assert headers["schemaVersion"] == b"1"
    assert headers["traceparent"] == event.traceparent.encode()  # type: ignore[union-attr]
    assert not any(name.startswith("__debezium") for name in headers)
