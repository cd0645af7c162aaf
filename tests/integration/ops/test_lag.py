"""``postroom lag`` and ``/metrics`` on the real stack: a stopped relay, a stopped
consumer and a poison message each show where events are stuck, and recover."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.integration.conftest import eventually
from tests.integration.ops.conftest import (
    POISON_TOPIC,
    SOURCE,
    USERS_TOPIC,
    Flow,
    registry_for,
    scrape,
)

pytestmark = [pytest.mark.ops, pytest.mark.kafka, pytest.mark.slow]


def lag_json(flow: Flow) -> dict[str, Any]:
    code, out = flow.lag("--json", "--no-probe")
    assert code == 0, out
    report: dict[str, Any] = json.loads(out)
    return report


def source_of(report: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in report["sources"] if s["name"] == SOURCE)
    return found


def group_of(report: dict[str, Any], group: str) -> dict[str, Any]:
    found: dict[str, Any] = next(g for g in report["groups"] if g["group"] == group)
    return found


def lsn(text: str) -> int:
    """A PostgreSQL LSN (``16/B374D848``) as a number."""
    high, low = text.split("/")
    return (int(high, 16) << 32) + int(low, 16)


def monitor_shows(flow: Flow, check: Callable[[dict[str, float]], bool], what: str) -> None:
    """Wait until the monitor process's ``/metrics`` satisfy ``check``."""
    eventually(lambda: check(scrape(f"{flow.monitor.url}/metrics")), timeout=15, what=what)


def test_a_stopped_relay_is_named_by_check_and_everything_recovers_when_it_restarts(
    flow: Flow,
) -> None:
    eventually(lambda: flow.lag("--check")[0] == 0, timeout=30, what="a healthy first check")
    before = source_of(lag_json(flow))
    assert before["slot"]["active"] is True

    assert flow.relay.terminate() == 0
    flow.write(50)  # the services keep writing while the relay is down
    time.sleep(3.5)  # longer than the 3 s heartbeat limit
    flow.write(50)

    stopped = lag_json(flow)
    slot = source_of(stopped)["slot"]
    assert slot["active"] is False
    assert slot["retained_bytes"] > before["slot"]["retained_bytes"]
    assert slot["unconsumed_bytes"] > before["slot"]["unconsumed_bytes"]
    assert source_of(stopped)["heartbeat_age_s"] > 3.0
    code, out = flow.lag("--check")
    assert code == 1
    assert len(out.strip().splitlines()) == 1, out
    assert f"relay {SOURCE} (database ops_src_" in out
    assert f"slot {flow.slot} is not being read" in out
    assert "probe event not seen on Kafka" in out
    assert "last heartbeat" in out
    slot_active = f'postroom_slot_active{{slot="{flow.slot}",source="{SOURCE}"}}'
    monitor_shows(flow, lambda m: m.get(slot_active) == 0, "the slot unread in /metrics")
    monitor_shows(
        flow,
        lambda m: not any(k.startswith("postroom_probe_latency_seconds") for k in m),
        "the probe latency missing from /metrics",
    )

    flow.start_relay()
    eventually(lambda: flow.lag("--check")[0] == 0, timeout=60, what="a passing check")
    recovered = source_of(lag_json(flow))
    assert recovered["slot"]["active"] is True
    assert lsn(recovered["slot"]["confirmed_flush_lsn"]) > lsn(slot["confirmed_flush_lsn"])
    assert recovered["heartbeat_age_s"] < 3.0
    code, out = flow.lag("--check")
    assert (code, out.startswith("lag check ok")) == (0, True), out


def test_a_stopped_consumer_lags_per_partition_in_json_and_metrics_then_catches_up(
    flow: Flow,
) -> None:
    worker = flow.start_worker("ops_users", USERS_TOPIC, registry_for("ops_users"))

    def users_lag() -> dict[str, Any]:
        return group_of(lag_json(flow), "ops_users")

    flow.write(3)
    eventually(lambda: worker.worker.outcomes["handled"] >= 3, what="the first events handled")

    def caught_up() -> bool:
        group = users_lag()
        relayed = sum(p["end_offset"] for p in group["partitions"])
        return group["lag"] == 0 and relayed == flow.written["ops_user"]

    eventually(caught_up, timeout=60, what="every event so far relayed and handled")
    worker.close()  # commits what it handled, leaves the group

    flow.write(30)  # aggregates agg-0..agg-29: keys spread over the 3 partitions

    eventually(lambda: users_lag()["lag"] == 30, timeout=30, what="a lag of 30 records")

    group = users_lag()
    lagging = [p for p in group["partitions"] if p["topic"] == USERS_TOPIC and p["lag"] > 0]
    assert len(lagging) >= 2, group["partitions"]
    assert sum(p["lag"] for p in lagging) == 30
    assert group["state"] == "Empty"
    assert all(p["lag"] == p["end_offset"] - (p["committed"] or 0) for p in lagging)

    def metric_lag() -> dict[str, float]:
        samples = scrape(f"{flow.monitor.url}/metrics")
        prefix = 'postroom_consumer_group_lag_records{group="ops_users",partition="'
        return {k: v for k, v in samples.items() if k.startswith(prefix) and USERS_TOPIC in k}

    eventually(lambda: sum(metric_lag().values()) == 30, timeout=15, what="lag 30 in /metrics")
    by_partition = {k: v for k, v in metric_lag().items() if v}
    assert len(by_partition) == len(lagging)

    restarted = flow.start_worker("ops_users", USERS_TOPIC, registry_for("ops_users"))
    eventually(lambda: restarted.worker.outcomes["handled"] >= 30, what="the backlog handled")
    eventually(lambda: users_lag()["lag"] == 0, timeout=30, what="the lag back to 0")
    eventually(lambda: sum(metric_lag().values()) == 0, timeout=15, what="0 in /metrics")
    handled = scrape(restarted.metrics.url)
    assert handled['postroom_inbox_messages_total{consumer="ops_users",outcome="handled"}'] >= 30


def test_a_poison_message_shows_one_dead_letter_in_both_views(flow: Flow) -> None:
    worker = flow.start_worker("ops_poison", POISON_TOPIC, registry_for("ops_poison"))
    flow.write(1, aggregate_type="ops_poison", poison=True)
    eventually(
        lambda: worker.worker.outcomes["dead-lettered"] == 1, what="the poison message parked"
    )
    dlq = f"{POISON_TOPIC}.dlq"

    def depth() -> int:
        found: int = group_of(lag_json(flow), "ops_poison")["dead_letter_depth"]
        return found

    eventually(lambda: depth() == 1, timeout=30, what="dead-letter depth 1 in postroom lag")
    group = group_of(lag_json(flow), "ops_poison")
    [letters] = [d for d in group["dead_letters"] if d["depth"]]
    assert (letters["topic"], letters["depth"]) == (dlq, 1)
    assert letters["oldest_age_s"] >= 0
    code, out = flow.lag("--check", "--no-probe")
    assert code == 1
    assert f"consumer group ops_poison: 1 dead letter(s) on {dlq}" in out

    key = f'postroom_dead_letter_records{{group="ops_poison",topic="{dlq}"}}'
    eventually(
        lambda: scrape(f"{flow.monitor.url}/metrics").get(key) == 1,
        timeout=15,
        what="dead-letter depth 1 in /metrics",
    )
    worker_samples = scrape(worker.metrics.url)
    assert (
        worker_samples[
            'postroom_inbox_messages_total{consumer="ops_poison",outcome="dead_lettered"}'
        ]
        == 1
    )
