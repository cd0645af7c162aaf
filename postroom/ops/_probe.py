"""The end-to-end probe: a real event through each source's outbox, timed until it is read.

Each round writes one ``PostroomProbe`` event per source through ``publish`` (in the
source's outbox mode: one small transaction), then reads topic
``outbox.event.postroom_probe`` from where it ended until every probe is seen or the
timeout passes. Latency is commit to read: the whole path an event takes (WAL, slot,
Debezium, the producer, the broker, a consumer's fetch). A probe not seen in time has no
latency: that source's events are stuck somewhere on the way.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from kafka import KafkaConsumer, TopicPartition
from sqlalchemy.orm import Session

from postroom.connectors import RelaySource, ensure_topics
from postroom.kafka_security import kafka_security
from postroom.outbox import Event, Outbox, publish, wire

__all__ = ["PROBE_AGGREGATE_TYPE", "PROBE_EVENT_TYPE", "Prober"]

PROBE_AGGREGATE_TYPE = "postroom_probe"
PROBE_EVENT_TYPE = "PostroomProbe"


class Prober:
    """Write a probe per source and time each until a consumer reads it back."""

    def __init__(
        self, sources: Sequence[RelaySource], bootstrap_servers: str, *, timeout_s: float = 10.0
    ) -> None:
        self.sources = list(sources)
        self.timeout_s = timeout_s
        self.topic = wire.topic_for(PROBE_AGGREGATE_TYPE)
        ensure_topics(bootstrap_servers, [self.topic], partitions=1)
        self._engines = {
            s.connector.name: sa.create_engine(s.database_url, pool_size=1, max_overflow=0)
            for s in self.sources
        }
        self._outboxes = {
            s.connector.name: Outbox(
                mode=s.connector.mode, table=s.connector.table, schema=s.connector.schema
            )
            for s in self.sources
        }
        self._consumer = KafkaConsumer(
            bootstrap_servers=bootstrap_servers,
            **kafka_security(None).kafka_python(),
            client_id="postroom-probe",
            enable_auto_commit=False,
            fetch_max_wait_ms=10,
        )

    def _write(self, name: str) -> tuple[uuid.UUID, float]:
        event = Event(
            aggregate_type=PROBE_AGGREGATE_TYPE,
            aggregate_id=name,
            type=PROBE_EVENT_TYPE,
            payload={"source": name},
        )
        with Session(self._engines[name]) as session, session.begin():
            publish(session, event, outbox=self._outboxes[name])
        return event.id, time.monotonic()

    def probe(self) -> dict[str, float | None]:
        """One round: each source's latency in seconds, ``None`` if not seen in time."""
        partitions = self._consumer.partitions_for_topic(self.topic) or set()
        assigned = [TopicPartition(self.topic, p) for p in sorted(partitions)]
        self._consumer.assign(assigned)
        self._consumer.seek_to_end()
        for tp in assigned:
            self._consumer.position(tp)  # resolve "the end" before anything is written
        sent: dict[str, tuple[str, float]] = {}
        for source in self.sources:
            event_id, at = self._write(source.connector.name)
            sent[str(event_id)] = (source.connector.name, at)
        latencies: dict[str, float | None] = {s.connector.name: None for s in self.sources}
        deadline = time.monotonic() + self.timeout_s
        while sent and time.monotonic() < deadline:
            for records in self._consumer.poll(timeout_ms=50).values():
                for record in records:
                    seen = dict(record.headers).get(wire.ID_HEADER, b"").decode()
                    if seen in sent:
                        name, at = sent.pop(seen)
                        latencies[name] = time.monotonic() - at
        return latencies

    def close(self) -> None:
        self._consumer.close()
        for engine in self._engines.values():
            engine.dispose()
