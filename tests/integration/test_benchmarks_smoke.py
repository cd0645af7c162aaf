"""The benchmark command keeps working: a seconds-long run of every scenario."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks._summary import SUMMARY_KEYS


@pytest.mark.slow
@pytest.mark.timeout(660)  # the command's own bound (600 s) and its teardown
def test_the_smoke_benchmark_writes_every_scenario_and_its_ratios(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--smoke", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=Path(__file__).parents[2],
    )
    assert run.returncode == 0, run.stderr[-3000:]
    [json_file] = tmp_path.glob("*-smoke.json")
    [markdown] = tmp_path.glob("*-smoke.md")
    results = json.loads(json_file.read_text())

    scenarios = {m["scenario"] for m in results["measurements"]}
    assert scenarios == {
        "1 write overhead",
        "2 relay",
        "3 idle load",
        "4 inbox",
        "3 polling",
        "5 limit",
        "6 memory",
        "7 raw decoding",
        "8 relay process",
    }  # the smoke run skips "9 many databases" (a relay process more)
    assert all(m["samples"] for m in results["measurements"])
    relayed = [
        m
        for m in results["measurements"]
        if m["scenario"] == "2 relay" and m["metric"] == "throughput"
    ]
    assert relayed and all(m["median"] > 0 for m in relayed)
    summary = results["summary"]
    assert tuple(summary) == SUMMARY_KEYS  # exactly the keys issue 14 names, in its order
    assert summary["broker"] in ("kafka", "tansu")
    measured = {key: value for key, value in summary.items() if key != "broker"}
    assert all(value is None or isinstance(value, int | float) for value in measured.values())
    for key in ("relay_drain_per_s", "raw_decoding_drain_per_s", "relay_start_s"):
        assert measured[key] and measured[key] > 0, key
    assert list(tmp_path.glob("*-smoke-drain.png")) and list(tmp_path.glob("*-smoke-latency.png"))
    names = {r["name"] for r in results["ratios"]}
    assert "relay ÷ best polling, saturation throughput" in names
    assert "| ratio (same run) |" in markdown.read_text()
    assert "| measurement | measured | target | met |" in markdown.read_text()
