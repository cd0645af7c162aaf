"""The embedded relay: real Debezium (PostgreSQL connector + outbox EventRouter) in-process.

One JVM, one Debezium engine per service database, each in its own Python thread (the
engine's ``run()`` blocks inside Java), all producing through one Kafka producer.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import sqlalchemy as sa
from kafka import KafkaProducer
from kafka.errors import KafkaError

from postroom.connectors._connector_config import ConnectorConfig
from postroom.connectors.relay._engine import build_engine, start_jvm
from postroom.connectors.relay._java_producer import (
    JavaKafkaSink,
    java_producer_available,
    new_batch_producer,
)
from postroom.connectors.relay._kafka_sink import BatchSink, KafkaSink
from postroom.connectors.relay._offset_stores import (
    OFFSET_STORES,
    OffsetStore,
    offset_store_properties,
)
from postroom.connectors.relay._offsets import (
    check_offsets_identity,
    check_state_dir_writable,
    explain_engine_failure,
    offsets_file,
    record_offsets_identity,
)
from postroom.connectors.relay._replication import ensure_replication, slot_active
from postroom.connectors.relay._tracing import TracedSink
from postroom.connectors.topics._admin import ensure_topics
from postroom.database_url import sync_url
from postroom.errors import BrokerAuthenticationError, BrokerUnavailableError, RelayError
from postroom.kafka_security import KafkaSecurity, kafka_security, login_refusals
from postroom.lifecycle import StartStop

__all__ = ["Relay", "RelaySource"]

log = logging.getLogger("postroom.relay")

#: A broker may close a refused SASL login without saying so first.
_SASL_HINT = ", the SASL user and password (a refused login can look like this)"


@dataclass(frozen=True)
class RelaySource:
    """One outbox to relay: its connector settings and a URL to read its database's record
    and check its slot with (``Relay.start`` replaces ``connector`` by the adopted one)."""

    connector: ConnectorConfig
    database_url: str

    def __post_init__(self) -> None:
        # Any accepted URL form; the relay's own engines are synchronous (psycopg 3).
        object.__setattr__(self, "database_url", sync_url(self.database_url))

    @classmethod
    def from_url(cls, name: str, database_url: str, **options: Any) -> RelaySource:
        """The source named ``name`` of the database at ``database_url``, in any accepted
        form; ``options`` are ``ConnectorConfig``'s (slot, mode and table default to what
        the database recorded when it was migrated)."""
        return cls(ConnectorConfig.from_url(name, database_url, **options), database_url)


def engine_format() -> Any:
    """Key, value *and headers* as JSON: the default format drops the headers."""
    import jpype

    kv_format = jpype.JClass("io.debezium.engine.format.KeyValueHeaderChangeEventFormat")
    json_format = jpype.JClass("io.debezium.engine.format.Json")
    return kv_format.of(json_format.class_, json_format.class_, json_format.class_)


class Relay(StartStop):
    """Relay every committed outbox row of ``sources`` to Kafka, at least once."""

    def __init__(
        self,
        sources: Sequence[RelaySource],
        *,
        bootstrap_servers: str,
        state_dir: Path,
        linger_ms: int = 1,
        bootstrap_timeout_ms: int = 30_000,
        producer: str = "java",
        offset_store: OffsetStore = "file",
        security: KafkaSecurity | None = None,
    ) -> None:
        if not sources:
            raise RelayError("a relay needs at least one source")
        if offset_store not in OFFSET_STORES:
            raise RelayError(f"offset_store must be one of {OFFSET_STORES}, got {offset_store!r}")
        #: where Debezium's source offsets live (see ``_offset_stores``)
        self.offset_store: OffsetStore = offset_store
        if producer not in ("java", "kafka-python"):
            raise RelayError(f"producer must be 'java' or 'kafka-python', got {producer!r}")
        #: "java": Kafka's Java producer inside the JVM, one call per batch (the fast path);
        #: "kafka-python": records converted to Python and produced with kafka-python.
        self.producer = producer
        names = [source.connector.name for source in sources]
        if len(set(names)) != len(names):
            raise RelayError(f"connector names must be unique, got {names}")
        self.sources = list(sources)
        self.bootstrap_servers = bootstrap_servers
        #: TLS/SASL to the brokers, for every client of the relay (``POSTROOM_KAFKA_*``
        #: when not given): the producer, topic admin and the Kafka offset store.
        self.security = kafka_security(security)
        self.state_dir = Path(state_dir)
        self._linger_ms = linger_ms
        self._bootstrap_timeout_ms = bootstrap_timeout_ms
        self._producer: KafkaProducer | None = None
        self._java_producer: Any = None
        self._engines: list[Any] = []
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self.restarts = 0
        self.errors: list[BaseException] = []
        #: The latest reason an engine stopped (fatal or retried), for operators.
        self.last_error: BaseException | None = None
        self.sinks: list[BatchSink] = []

    @property
    def state(self) -> str:
        """``running``, ``failed`` (an engine stopped for good) or ``stopped``."""
        if self.errors:
            return "failed"
        return "running" if self._threads else "stopped"

    @property
    def relayed(self) -> int:
        """Records acknowledged by the broker since start."""
        return sum(sink.relayed for sink in self.sinks)

    def start(self) -> Relay:
        """Adopt each database's slot and recorded settings, then start the JVM and one
        engine per source."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        check_state_dir_writable(self.state_dir)
        self.sources = [
            RelaySource(
                ensure_replication(source.connector, source.database_url), source.database_url
            )
            for source in self.sources
        ]
        for source in self.sources:
            check_offsets_identity(source.connector, source.database_url, self.state_dir)
        with login_refusals() as refusals:
            try:
                self._producer = KafkaProducer(
                    bootstrap_servers=self.bootstrap_servers,
                    **self.security.kafka_python(),
                    acks="all",
                    linger_ms=self._linger_ms,
                    client_id="postroom-relay",
                    # One request in flight per broker: a retried batch can't overtake the
                    # one before it, so records of an aggregate stay in order.
                    max_in_flight_requests_per_connection=1,
                    request_timeout_ms=10_000,
                    max_block_ms=10_000,
                    bootstrap_timeout_ms=self._bootstrap_timeout_ms,
                )
            except KafkaError as exc:
                if refusals:
                    raise BrokerAuthenticationError(
                        f"the Kafka brokers at {self.bootstrap_servers} refused the relay "
                        f"({self.security.protocol}, user {self.security.sasl_username!r}): "
                        f"{refusals[-1]}; check the POSTROOM_KAFKA_* settings"
                    ) from exc
                raise BrokerUnavailableError(
                    f"no Kafka broker answers at {self.bootstrap_servers} ({exc}): check "
                    f"bootstrap_servers{self._security_hint()} and that the brokers are up; "
                    "nothing was read from the slots"
                ) from exc
        for source in self.sources:
            connector = source.connector
            if connector.heartbeat_interval_ms:
                # Made now, not by the broker on the first heartbeat: auto-creation held
                # up the batch carrying it for ~200 ms, ten seconds into streaming.
                ensure_topics(
                    self.bootstrap_servers,
                    [connector.heartbeat_topic],
                    partitions=1,
                    replication_factor=connector.topic_replication_factor,
                    security=self.security,
                )
            if connector.topics:
                ensure_topics(
                    self.bootstrap_servers,
                    connector.topics,
                    partitions=connector.topic_partitions,
                    replication_factor=connector.topic_replication_factor,
                    configs={
                        "retention.ms": str(connector.topic_retention_ms),
                        "cleanup.policy": connector.topic_cleanup_policy,
                    },
                    security=self.security,
                )
        start_jvm()
        if self.producer == "java" and not java_producer_available():
            log.warning("no JDK compiler for the Java batch producer: using kafka-python")
            self.producer = "kafka-python"
        if self.producer == "java":
            # The kafka-python producer above only proved the broker answers.
            assert self._producer is not None
            self._producer.close()
            self._producer = None
            self._java_producer = new_batch_producer(self._java_settings())
        fmt = engine_format()
        for index, source in enumerate(self.sources):
            sink = self._new_sink()
            offsets = offsets_file(self.state_dir, source.connector.name)
            properties = source.connector.engine_properties(offsets)
            properties.pop("offset.storage.file.filename", None)
            properties.update(
                offset_store_properties(
                    self.offset_store,
                    source.connector,
                    offsets_file=offsets,
                    bootstrap_servers=self.bootstrap_servers,
                )
            )
            if self.offset_store == "kafka":
                properties.update(self.security.java_properties())
            thread = threading.Thread(
                target=self._supervise,
                args=(
                    index,
                    source.connector.name,
                    properties,
                    TracedSink(sink, source.connector.name),
                    fmt,
                ),
                name=f"relay-{source.connector.name}",
                daemon=True,
            )
            self.sinks.append(sink)
            self._engines.append(None)
            self._threads.append(thread)
            thread.start()
            record_offsets_identity(source.connector, source.database_url, self.state_dir)
        return self

    def _security_hint(self) -> str:
        if self.security.protocol == "PLAINTEXT":
            return ""
        hint = f", the security protocol ({self.security.protocol})"
        return hint + (_SASL_HINT if self.security.uses_sasl else "")

    def _java_settings(self) -> dict[str, str]:
        return {
            "bootstrap.servers": self.bootstrap_servers,
            "acks": "all",
            "linger.ms": str(self._linger_ms),
            "client.id": "postroom-relay",
            # Idempotent: a retried request can't duplicate or reorder within a
            # partition, so records of an aggregate stay in order.
            "enable.idempotence": "true",
            "max.in.flight.requests.per.connection": "5",
            "request.timeout.ms": "10000",
            "delivery.timeout.ms": "30000",
            "max.block.ms": "10000",
            **self.security.java_properties(),
        }

    def _new_sink(self) -> BatchSink:
        """A sink per engine, all sharing the relay's one producer (thread-safe)."""
        if self._java_producer is not None:
            return JavaKafkaSink(self._java_producer, stop=self._stopping)
        assert self._producer is not None
        return KafkaSink(self._producer, stop=self._stopping)

    def wait_streaming(self, timeout: float = 60.0) -> None:
        """Block until every source's slot is held by its running engine. A connection
        lost meanwhile (PostgreSQL restarting) is opened again until ``timeout``: the
        engines themselves restart after such a loss."""
        deadline = time.monotonic() + timeout
        for source in self.sources:
            engine = sa.create_engine(source.database_url, poolclass=sa.pool.NullPool)
            try:
                while True:
                    try:
                        with engine.connect() as connection:
                            self._wait_active(connection, source, deadline, timeout)
                        break
                    except sa.exc.OperationalError:
                        if time.monotonic() > deadline:
                            raise
                        time.sleep(0.2)
            finally:
                engine.dispose()

    def _wait_active(
        self, connection: sa.Connection, source: RelaySource, deadline: float, timeout: float
    ) -> None:
        while not slot_active(connection, source.connector.slot_name):
            if self.errors:
                error = self.errors[0]
                if isinstance(error, RelayError):
                    raise error
                raise RelayError(f"the relay failed while starting: {error}")
            if time.monotonic() > deadline:
                raise RelayError(
                    f"connector {source.connector.name!r} did not start streaming "
                    f"within {timeout:.0f} s"
                )
            time.sleep(0.05)

    def _supervise(
        self, index: int, name: str, properties: dict[str, str], sink: TracedSink, fmt: Any
    ) -> None:
        """Run one engine; when it stops on its own for a retriable reason (PostgreSQL
        restarted, connection lost), start it again after a backoff, from its offsets."""
        backoff = 1.0
        while True:
            with self._lock:
                if self._stopping.is_set():
                    return
                engine, outcome = build_engine(properties, cast(Any, sink), fmt)
                self._engines[index] = engine
            failure: BaseException | None = None
            try:
                engine.run()
            except BaseException as exc:
                failure = exc
            if self._stopping.is_set():
                return
            # The engine stopped on its own: find out why (its completion callback knows).
            outcome.done.wait(5.0)
            reason = f"{failure or ''} {outcome.describe()}".strip() or "the engine stopped"
            error = explain_engine_failure(name, self.state_dir, RuntimeError(reason))
            with contextlib.suppress(Exception):
                engine.close()
            self.last_error = error
            if not error.retriable:
                log.error("relay %s stopped: %s", name, error)
                self.errors.append(error)
                return
            self.restarts += 1
            log.warning("relay %s stopped (%s); restarting in %.0f s", name, error, backoff)
            self._stopping.wait(backoff)
            backoff = min(backoff * 2, 30.0)

    def stop(self, timeout: float = 30.0) -> None:
        """Close every engine (commits what was acknowledged), then the producer."""
        with self._lock:
            self._stopping.set()
            engines = [engine for engine in self._engines if engine is not None]
        for engine in engines:
            with contextlib.suppress(Exception):
                engine.close()
        for thread in self._threads:
            thread.join(timeout)
        if self._producer is not None:
            self._producer.close(timeout=timeout)
            self._producer = None
        if self._java_producer is not None:
            self._java_producer.close()
            self._java_producer = None
        self._engines.clear()
        self._threads.clear()
