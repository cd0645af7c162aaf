"""``LagMonitor``: measure every flow, once (``postroom lag``) or on a schedule
(``postroom monitor``, which serves the status page and ``/metrics`` from the results).

What each measurement asks of the source database, per round: the slot (one query on
``pg_replication_slots``) and, with the probe on, one probe transaction. Heartbeat age,
consumer-group lag and dead letters are read from Kafka only.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Sequence
from datetime import UTC, datetime

from kafka.admin import KafkaAdminClient
from sqlalchemy.engine import make_url

from postroom.connectors import (
    HEARTBEAT_TOPIC_PREFIX,
    KafkaConnectClient,
    RelaySource,
    SlotInfo,
    list_slots,
)
from postroom.inbox import DEAD_LETTER_SUFFIX, RETRY_SUFFIX
from postroom.kafka_security import kafka_security
from postroom.ops._group_lag import measure_group
from postroom.ops._kafka_offsets import OffsetReader
from postroom.ops._probe import Prober
from postroom.ops._report import DeadLetterDepth, GroupReport, LagReport, SourceReport

__all__ = ["HEARTBEAT_TOPIC_PREFIX", "LagMonitor", "LatencySample"]

#: (when, latency per source in seconds; ``None``: the probe was not seen in time)
LatencySample = tuple[datetime, dict[str, float | None]]


def _database(source: RelaySource) -> str:
    url = make_url(source.database_url)
    return f"{url.database} on {url.host}:{url.port or 5432}"


class LagMonitor:
    """Measure the flows from ``sources`` (relay connectors) to ``groups`` (consumers)."""

    def __init__(
        self,
        sources: Sequence[RelaySource],
        groups: Sequence[str],
        *,
        bootstrap_servers: str,
        probe: bool = True,
        probe_timeout_s: float = 10.0,
        connect_url: str | None = None,
        history: int = 120,
    ) -> None:
        self.sources = list(sources)
        self.groups = list(groups)
        self.bootstrap_servers = bootstrap_servers
        self.connect_url = connect_url
        self.probe_timeout_s = probe_timeout_s
        self._reader = OffsetReader(bootstrap_servers)
        self._admin = KafkaAdminClient(
            bootstrap_servers=bootstrap_servers,
            **kafka_security(None).kafka_python(),
            client_id="postroom-lag",
        )
        self._prober = (
            Prober(self.sources, bootstrap_servers, timeout_s=probe_timeout_s)
            if probe and self.sources
            else None
        )
        #: The newest report of ``run``; ``None`` before the first round.
        self.latest: LagReport | None = None
        #: Probe latencies of the last rounds, oldest first (the status page's chart).
        self.history: deque[LatencySample] = deque(maxlen=history)
        #: Probe rounds per source, and how many were not seen in time.
        self.probes: dict[str, int] = {s.connector.name: 0 for s in self.sources}
        self.probes_lost: dict[str, int] = {s.connector.name: 0 for s in self.sources}
        self.last_probe_success: dict[str, float] = {}
        self._lock = threading.Lock()

    # -- one round --------------------------------------------------------------------

    def measure(self) -> LagReport:
        """Measure every flow now (runs one probe round if the probe is on)."""
        errors: list[str] = []
        latencies = self._probe(errors)
        sources = tuple(self._source(s, latencies, errors) for s in self.sources)
        groups = []
        for group in self.groups:
            try:
                groups.append(self._group(group))
            except Exception as exc:
                errors.append(f"consumer group {group}: could not measure ({exc!r})")
        return LagReport(datetime.now(UTC), sources, tuple(groups), tuple(errors))

    def _probe(self, errors: list[str]) -> dict[str, float | None]:
        if self._prober is None:
            return {}
        try:
            latencies = self._prober.probe()
        except Exception as exc:
            errors.append(f"probe: could not write or read probes ({exc!r})")
            latencies = {s.connector.name: None for s in self.sources}
        now = time.time()
        with self._lock:
            self.history.append((datetime.now(UTC), latencies))
            for name, latency in latencies.items():
                self.probes[name] += 1
                if latency is None:
                    self.probes_lost[name] += 1
                else:
                    self.last_probe_success[name] = now
        return latencies

    def _slot(self, source: RelaySource, errors: list[str]) -> SlotInfo | None:
        try:
            slots = list_slots(source.database_url)
        except Exception as exc:
            errors.append(f"relay {source.connector.name}: database unreachable ({exc!r})")
            return None
        return next((s for s in slots if s.slot_name == source.connector.slot_name), None)

    def _source(
        self, source: RelaySource, latencies: dict[str, float | None], errors: list[str]
    ) -> SourceReport:
        connector = source.connector
        try:
            heartbeat = self._reader.last_record_time(connector.heartbeat_topic)
        except Exception as exc:
            errors.append(f"relay {connector.name}: heartbeats unreadable from Kafka ({exc!r})")
            heartbeat = None
        age = None if heartbeat is None else (datetime.now(UTC) - heartbeat).total_seconds()
        return SourceReport(
            name=connector.name,
            database=_database(source),
            slot_name=connector.slot_name,
            slot=self._slot(source, errors),
            heartbeat_age_s=age,
            heartbeats_enabled=connector.heartbeat_interval_ms > 0,
            probe_latency_s=latencies.get(connector.name),
            probed=self._prober is not None,
            connect_state=self._connect_state(connector.name, errors),
        )

    def _connect_state(self, name: str, errors: list[str]) -> dict[str, object] | None:
        if self.connect_url is None:
            return None
        try:
            with KafkaConnectClient(self.connect_url) as client:
                return client.status(name)
        except Exception as exc:
            errors.append(f"relay {name}: Kafka Connect status unavailable ({exc})")
            return None

    def _group(self, group: str) -> GroupReport:
        lag = measure_group(self._admin, self._reader, group)
        origins = sorted({t.removesuffix(RETRY_SUFFIX) for t in lag.topics})
        return GroupReport(
            lag, tuple(self._dead_letters(f"{t}{DEAD_LETTER_SUFFIX}") for t in origins)
        )

    def _dead_letters(self, topic: str) -> DeadLetterDepth:
        partitions = self._reader.partitions(topic)
        ends = self._reader.end_offsets(partitions)
        starts = self._reader.beginning_offsets(partitions)
        depth = sum(ends[tp] - starts.get(tp, 0) for tp in partitions)
        oldest: datetime | None = None
        for tp in partitions:
            if ends[tp] > starts.get(tp, 0):
                moment = self._reader.record_time(tp, starts.get(tp, 0))
                if moment is not None and (oldest is None or moment < oldest):
                    oldest = moment
        age = None if oldest is None else (datetime.now(UTC) - oldest).total_seconds()
        return DeadLetterDepth(topic, depth, age)

    # -- on a schedule ----------------------------------------------------------------

    def run(self, stop: threading.Event, *, interval_s: float = 10.0) -> None:
        """Measure every ``interval_s`` until ``stop`` is set; keep ``latest``/``history``."""
        while not stop.is_set():
            started = time.monotonic()
            self.latest = self.measure()
            stop.wait(max(0.0, interval_s - (time.monotonic() - started)))

    def close(self) -> None:
        if self._prober is not None:
            self._prober.close()
        self._reader.close()
        self._admin.close()
