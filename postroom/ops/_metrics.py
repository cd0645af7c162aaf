"""Prometheus metrics of the relay, an inbox worker and the lag monitor.

Each process registers collectors that read its live state when scraped (the relay's
counters, the worker's outcomes, the monitor's latest report), so nothing in the hot
path changes except one histogram observation per handled message. Names follow
Prometheus conventions: the unit in the name, ``_total`` for counters. The alert rules
and the Grafana dashboard under ``docs/ops/`` use exactly these names; a test checks
every name they use is exported by a running process.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Protocol

from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from postroom.connectors import Relay
from postroom.inbox import InboxMessage, InboxWorker, Outcome
from postroom.ops._monitor import LagMonitor

__all__ = ["RELAY_STATES", "lag_metrics", "relay_metrics", "worker_metrics"]

RELAY_STATES = ("running", "failed", "stopped")

#: Worker outcome counters -> the ``outcome`` label of ``postroom_inbox_messages_total``.
_OUTCOMES = {
    "handled": "handled",
    "duplicate": "duplicate",
    "ignored": "ignored",
    "retry-scheduled": "retry_scheduled",
    "dead-lettered": "dead_lettered",
}


class _Collect(Protocol):
    def __call__(self) -> Iterator[Metric]: ...


class _Collector(Collector):
    """Adapts a generator function to prometheus-client's collector interface."""

    def __init__(self, collect: _Collect) -> None:
        self._collect = collect

    def collect(self) -> Iterator[Metric]:
        return self._collect()


def relay_metrics(relay: Relay, registry: CollectorRegistry | None = None) -> CollectorRegistry:
    """Register the relay's metrics (records per connector, state, restarts, errors)."""
    registry = registry or CollectorRegistry()

    def collect() -> Iterator[Metric]:
        records = CounterMetricFamily(
            "postroom_relay_records",
            "Records the broker acknowledged, per connector (heartbeats included).",
            labels=["connector"],
        )
        for source, sink in zip(relay.sources, relay.sinks, strict=False):
            records.add_metric([source.connector.name], sink.relayed)
        yield records
        state = GaugeMetricFamily(
            "postroom_relay_state", "1 for the relay's current state.", labels=["state"]
        )
        for name in RELAY_STATES:
            state.add_metric([name], 1.0 if relay.state == name else 0.0)
        yield state
        yield CounterMetricFamily(
            "postroom_relay_restarts", "Engine restarts after retriable stops.", relay.restarts
        )
        yield CounterMetricFamily(
            "postroom_relay_errors", "Engines stopped for good (not retriable).", len(relay.errors)
        )
        info = GaugeMetricFamily(
            "postroom_relay_last_error_info",
            "The latest reason an engine stopped.",
            labels=["error"],
        )
        if relay.last_error is not None:
            info.add_metric([str(relay.last_error)[:200]], 1.0)
        yield info

    registry.register(_Collector(collect))
    return registry


def worker_metrics(
    worker: InboxWorker, registry: CollectorRegistry | None = None
) -> CollectorRegistry:
    """Register an inbox worker's metrics (messages by outcome, dead letters by reason,
    and the age of each event when its handler's transaction committed)."""
    registry = registry or CollectorRegistry()
    consumer = worker.config.consumer
    latency = Histogram(
        "postroom_inbox_event_age_seconds",
        "From the event's creation by its writer to its handler's commit.",
        ["consumer"],
        registry=registry,
        buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
    ).labels(consumer)

    def observe(message: InboxMessage, outcome: Outcome) -> None:
        if outcome is Outcome.HANDLED and message.timestamp is not None:
            latency.observe(max(0.0, (datetime.now(UTC) - message.timestamp).total_seconds()))

    worker.processor.after_commit.append(observe)

    def collect() -> Iterator[Metric]:
        outcomes = dict(worker.outcomes)
        messages = CounterMetricFamily(
            "postroom_inbox_messages",
            "Messages by outcome: handled, duplicate, ignored, retry_scheduled, dead_lettered.",
            labels=["consumer", "outcome"],
        )
        for key, label in _OUTCOMES.items():
            messages.add_metric([consumer, label], outcomes.get(key, 0))
        yield messages
        reasons = CounterMetricFamily(
            "postroom_inbox_dead_letters",
            "Messages parked on a dead-letter topic, by reason.",
            labels=["consumer", "reason"],
        )
        for key, count in outcomes.items():
            if key.startswith("dead-lettered:"):
                reasons.add_metric([consumer, key.partition(":")[2]], count)
        yield reasons
        yield _commit_failures(consumer, outcomes.get("commit-failed", 0))

    registry.register(_Collector(collect))
    return registry


def _commit_failures(consumer: str, count: int) -> Metric:
    family = CounterMetricFamily(
        "postroom_inbox_offset_commit_failures",
        "Offset commits the group refused (records are redelivered, then deduplicated).",
        labels=["consumer"],
    )
    family.add_metric([consumer], count)
    return family


def lag_metrics(
    monitor: LagMonitor, registry: CollectorRegistry | None = None
) -> CollectorRegistry:
    """Register the monitor's measurements (its latest report, the probe's counters)."""
    registry = registry or CollectorRegistry()
    registry.register(_Collector(lambda: _lag_families(monitor)))
    return registry


def _gauge(name: str, documentation: str, *labels: str) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, labels=list(labels))


def _lag_families(monitor: LagMonitor) -> Iterator[Metric]:
    report = monitor.latest
    retained = _gauge("postroom_slot_retained_wal_bytes", "WAL the slot pins.", "source", "slot")
    unconfirmed = _gauge(
        "postroom_slot_confirmed_flush_lag_bytes",
        "WAL written since the slot's confirmed flush position.",
        "source",
        "slot",
    )
    active = _gauge("postroom_slot_active", "1 while a relay reads the slot.", "source", "slot")
    heartbeat = _gauge(
        "postroom_heartbeat_age_seconds",
        "Since the relay's last heartbeat reached Kafka.",
        "source",
    )
    probe = _gauge(
        "postroom_probe_latency_seconds",
        "Latest probe, commit to read; absent when the probe was not seen in time.",
        "source",
    )
    group_lag = _gauge(
        "postroom_consumer_group_lag_records",
        "End offset minus the group's committed offset.",
        "group",
        "topic",
        "partition",
    )
    group_state = _gauge(
        "postroom_consumer_group_state", "1 for the group's current state.", "group", "state"
    )
    members = _gauge("postroom_consumer_group_members", "Members of the group.", "group")
    depth = _gauge(
        "postroom_dead_letter_records", "Records on a dead-letter topic.", "group", "topic"
    )
    oldest = _gauge(
        "postroom_dead_letter_oldest_age_seconds",
        "Since the oldest record on a dead-letter topic was parked.",
        "group",
        "topic",
    )
    connect = _gauge(
        "postroom_connect_task_running",
        "1 while a Kafka Connect connector/task runs ('connector' task: the connector).",
        "source",
        "task",
    )
    if report is not None:
        for source in report.sources:
            if source.slot is not None:
                labels = [source.name, source.slot_name]
                retained.add_metric(labels, source.slot.retained_bytes)
                unconfirmed.add_metric(labels, source.slot.unconsumed_bytes)
                active.add_metric(labels, 1.0 if source.slot.active else 0.0)
            else:
                active.add_metric([source.name, source.slot_name], 0.0)
            if source.heartbeat_age_s is not None:
                heartbeat.add_metric([source.name], source.heartbeat_age_s)
            if source.probe_latency_s is not None:
                probe.add_metric([source.name], source.probe_latency_s)
            if source.connect_state is not None:
                state = source.connect_state.get("connector", {}).get("state")
                connect.add_metric([source.name, "connector"], 1.0 if state == "RUNNING" else 0.0)
                for task in source.connect_state.get("tasks", []):
                    running = 1.0 if task.get("state") == "RUNNING" else 0.0
                    connect.add_metric([source.name, str(task.get("id"))], running)
        for group in report.groups:
            name = group.lag.group
            for part in group.lag.partitions:
                group_lag.add_metric([name, part.topic, str(part.partition)], part.lag)
            group_state.add_metric([name, group.lag.state], 1.0)
            members.add_metric([name], group.lag.members)
            for letters in group.dead_letters:
                depth.add_metric([name, letters.topic], letters.depth)
                if letters.oldest_age_s is not None:
                    oldest.add_metric([name, letters.topic], letters.oldest_age_s)
    yield from (retained, unconfirmed, active, heartbeat, probe, group_lag, group_state)
    yield from (members, depth, oldest, connect)
    yield from _probe_counters(monitor)
    measured = _gauge(
        "postroom_lag_measured_timestamp_seconds", "When the latest measurement was taken."
    )
    if report is not None:
        measured.add_metric([], report.taken_at.timestamp())
    yield measured


def _probe_counters(monitor: LagMonitor) -> Iterator[Metric]:
    sent = CounterMetricFamily("postroom_probes", "Probe events written.", labels=["source"])
    lost = CounterMetricFamily(
        "postroom_probes_lost", "Probe events not seen in time.", labels=["source"]
    )
    success = _gauge(
        "postroom_probe_last_success_timestamp_seconds",
        "When a probe of this source was last seen in time.",
        "source",
    )
    lost_counts, last_success = dict(monitor.probes_lost), dict(monitor.last_probe_success)
    for name, count in dict(monitor.probes).items():
        sent.add_metric([name], count)
        lost.add_metric([name], lost_counts.get(name, 0))
        if name in last_success:
            success.add_metric([name], last_success[name])
    yield from (sent, lost, success)
