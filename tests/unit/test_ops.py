"""The operators' view without servers: which flows count as stuck and how each is
named, the thresholds, the status page's HTML and the worker's metrics."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime
from typing import Any

import pytest

from postroom.cli import build_parser
from postroom.connectors import SlotInfo
from postroom.errors import ConfigurationError
from postroom.ops import (
    DeadLetterDepth,
    GroupLag,
    GroupReport,
    LagReport,
    LatencySample,
    PartitionLag,
    SourceReport,
    Thresholds,
    status_page,
)

pytestmark = pytest.mark.ops

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def slot(*, active: bool = True, retained: int = 4096, unconsumed: int = 0) -> SlotInfo:
    return SlotInfo(
        "postroom_auth", "pgoutput", "auth", active, 7 if active else None, "0/1", "0/1",
        retained, unconsumed,
    )  # fmt: skip


def source(**changes: object) -> SourceReport:
    fields: dict[str, object] = {
        "name": "auth",
        "database": "auth on db1:5432",
        "slot_name": "postroom_auth",
        "slot": slot(),
        "heartbeat_age_s": 4.0,
        "heartbeats_enabled": True,
        "probe_latency_s": 0.02,
        "probed": True,
    }
    return SourceReport(**{**fields, **changes})  # type: ignore[arg-type]


def group(lags: tuple[int, ...] = (0, 0, 0), dead: int = 0) -> GroupReport:
    partitions = tuple(
        PartitionLag("outbox.event.user", n, 100, 100 - lag, lag) for n, lag in enumerate(lags)
    )
    letters = (DeadLetterDepth("outbox.event.user.dlq", dead, 30.0 if dead else None),)
    return GroupReport(GroupLag("users", "Stable", 2, partitions), letters)


def test_a_healthy_flow_has_no_problems() -> None:
    report = LagReport(NOW, (source(),), (group(),))
    assert report.problems(Thresholds()) == []


def test_a_stopped_relay_is_one_line_naming_the_relay_database_and_each_symptom() -> None:
    stuck = source(slot=slot(active=False), heartbeat_age_s=95.0, probe_latency_s=None)
    [line] = LagReport(NOW, (stuck,), ()).problems(Thresholds())
    assert line == (
        "relay auth (database auth on db1:5432): slot postroom_auth is not being read; "
        "last heartbeat 95 s ago (max 60 s); probe event not seen on Kafka"
    )


def test_a_missing_slot_and_retained_wal_are_reported() -> None:
    assert "slot postroom_auth does not exist" in source(slot=None).problems(Thresholds())[0]
    big = source(slot=slot(retained=2 * 1024**3))
    assert "retains 2,147,483,648 B of WAL" in big.problems(Thresholds())[0]


def test_heartbeats_and_the_probe_are_only_judged_when_they_are_on() -> None:
    quiet = source(heartbeats_enabled=False, heartbeat_age_s=None, probed=False)
    assert quiet.problems(Thresholds()) == []


def test_a_failed_kafka_connect_task_is_a_problem_of_its_source() -> None:
    failed = {"connector": {"state": "RUNNING"}, "tasks": [{"id": 0, "state": "FAILED"}]}
    [line] = source(connect_state=failed).problems(Thresholds())
    assert line.endswith("Kafka Connect connector/tasks RUNNING/FAILED")
    running = {"connector": {"state": "RUNNING"}, "tasks": [{"id": 0, "state": "RUNNING"}]}
    assert source(connect_state=running).problems(Thresholds()) == []
    no_task = {"connector": {"state": "RUNNING"}, "tasks": []}
    assert source(connect_state=no_task).problems(Thresholds()) != []


def test_a_lagging_group_and_dead_letters_name_the_group() -> None:
    [line] = group(lags=(700, 0, 400), dead=2).problems(Thresholds())
    assert line == (
        "consumer group users: 1,100 records behind (max 1,000) on outbox.event.user; "
        "group state Stable; 2 dead letter(s) on outbox.event.user.dlq (max 0)"
    )
    assert group(lags=(700, 0, 400)).problems(Thresholds(max_group_lag=2000)) == []


def test_thresholds_refuse_negative_limits() -> None:
    with pytest.raises(ConfigurationError, match="max_group_lag"):
        Thresholds(max_group_lag=-1)


def test_postroom_lag_takes_every_threshold_as_an_option() -> None:
    args = build_parser().parse_args(
        ["lag", "--group", "users", "--max-group-lag", "5", "--max-heartbeat-age", "3", "--check"]
    )
    assert (args.max_group_lag, args.max_heartbeat_age_s, args.check) == (5, 3.0, True)
    assert args.max_dead_letters is None  # the Thresholds default applies


def test_the_help_of_postroom_lag_states_the_thresholds_defaults(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["lag", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    limits = Thresholds()
    assert limits.max_retained_wal_bytes == 1024**3 and "WAL a slot may pin (1 GiB)" in text
    assert limits.max_confirmed_flush_lag_bytes == 256 * 1024**2 and "(256 MiB)" in text
    for field, words in [
        ("max_heartbeat_age_s", "seconds since the last heartbeat"),
        ("max_probe_latency_s", "seconds, probe commit to read"),
        ("max_group_lag", "records a group may be behind"),
        ("max_dead_letters", "records on a group's dead-letter topics"),
    ]:
        assert f"{words} ({getattr(limits, field):g})" in text, field


class StubMonitor:
    """What the status page reads of a ``LagMonitor``: its latest report and history."""

    def __init__(self, report: LagReport | None, history: list[LatencySample]) -> None:
        self.latest = report
        self.history = history
        self.probe_timeout_s = 5.0


def page_of(report: LagReport | None, history: list[LatencySample] | None = None) -> Any:
    """A test client of the status page over ``report`` (Starlette's, through httpx)."""
    with warnings.catch_warnings():  # Starlette would rather its client used httpx2
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    monitor = StubMonitor(report, history or [])
    return TestClient(status_page(monitor, interval_s=5))  # type: ignore[arg-type]


def test_the_status_page_escapes_names_and_shows_problems() -> None:
    evil = source(name="<b>auth</b>", slot=slot(active=False))
    page = page_of(LagReport(NOW, (evil,), (group(),))).get("/").text
    assert "<b>auth</b>" not in page and "&lt;b&gt;auth&lt;/b&gt;" in page
    assert 'id="verdict" class="banner bad">1 problem(s)' in page
    assert '<meta http-equiv="refresh" content="5">' in page


def test_the_latency_chart_breaks_its_line_where_a_probe_was_lost() -> None:
    latencies = [0.01, 0.02, None, 0.03]
    history: list[LatencySample] = [(NOW, {"auth": value}) for value in latencies]
    page = page_of(LagReport(NOW, (source(),), ()), history).get("/").text
    assert page.count("<polyline") == 1  # the first two rounds, joined
    assert page.count('stroke="#b3261e"') == 1  # the lost probe, a red tick
    assert page.count("<circle") == 1  # the last round, alone after the gap
    assert "no probe rounds yet" in page_of(LagReport(NOW, (), ())).get("/").text


def test_health_is_503_until_the_first_measurement_and_while_measurements_are_stale() -> None:
    assert page_of(None).get("/healthz").status_code == 503
    fresh = LagReport(datetime.now(UTC), (), ())
    assert page_of(fresh).get("/healthz").json()["status"] == "ok"
    assert page_of(LagReport(NOW, (), ())).get("/healthz").status_code == 503


def test_the_json_view_carries_the_problems() -> None:
    stuck = source(slot=slot(active=False))
    body = page_of(LagReport(NOW, (stuck,), (group(dead=1),))).get("/api/lag").json()
    assert [p.split(":")[0] for p in body["problems"]] == [
        "relay auth (database auth on db1",
        "consumer group users",
    ]
    assert body["groups"][0]["dead_letter_depth"] == 1
