"""The shipped alert rules and Grafana dashboard: valid, and every metric they name is
exported by a running Postroom process (the relay, an inbox worker, the monitor)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.integration.ops.conftest import USERS_TOPIC, Flow, families, registry_for

pytestmark = [pytest.mark.ops, pytest.mark.kafka]

OPS = Path(__file__).resolve().parents[3] / "docs" / "ops"
RULES = OPS / "alerts.yml"
DASHBOARD = OPS / "grafana-dashboard.json"
METRIC = re.compile(r"\bpostroom_[a-z0-9_]+")


def dashboard_expressions() -> list[str]:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    return [target["expr"] for panel in panels for target in panel.get("targets", [])]


def test_promtool_accepts_the_alert_rules() -> None:
    promtool = shutil.which("promtool")
    assert promtool, "promtool is missing: scripts/bootstrap installs Debian's prometheus"
    checked = subprocess.run(
        [promtool, "check", "rules", str(RULES)], capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 16 rules found" in checked.stdout


def test_every_metric_the_rules_and_dashboard_name_is_exported_by_a_running_process(
    flow: Flow,
) -> None:
    worker = flow.start_worker("ops_alerts", USERS_TOPIC, registry_for("ops_alerts"))
    exported = {
        "relay": families(f"http://127.0.0.1:{flow.relay_metrics_port}/metrics"),
        "worker": families(worker.metrics.url),
        "monitor": families(f"{flow.monitor.url}/metrics"),
    }
    everything = set().union(*exported.values())
    in_rules = set(METRIC.findall(RULES.read_text()))
    in_dashboard = {name for expr in dashboard_expressions() for name in METRIC.findall(expr)}
    assert len(in_rules) >= 15
    assert in_rules - everything == set()
    assert in_dashboard - everything == set()
    assert {"postroom_relay_records_total", "postroom_relay_restarts_total"} <= exported["relay"]
    assert "postroom_inbox_messages_total" in exported["worker"]
    assert "postroom_consumer_group_lag_records" in exported["monitor"]
    # Prometheus conventions: counters end in _total, units are in the names.
    for name in everything:
        assert not name.endswith("_total_total"), name
    assert {n for n in everything if n.endswith(("_seconds", "_bytes", "_records"))}
