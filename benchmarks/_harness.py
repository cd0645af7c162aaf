"""Repetition, medians and spreads, and the JSON + markdown results of one run."""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["Measurement", "Results", "finite_or_none", "percentile", "rss_mb", "run_for"]


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by nearest rank; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[rank]


def rss_mb(pid: int | None = None) -> float:
    """Resident set size of ``pid`` (default: this process) in MiB, from /proc."""
    status = Path(f"/proc/{pid or os.getpid()}/status").read_text()
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run_for(seconds: float, step: Callable[[], int]) -> float:
    """Call ``step`` (which returns units of work done) for ``seconds``; return units/s."""
    done = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        done += step()
    return done / (time.perf_counter() - start)


def finite_or_none(value: float | None) -> float | None:
    """``value``, or None when it is missing or NaN (JSON has no NaN)."""
    if value is None or value != value or value in (float("inf"), float("-inf")):
        return None
    return value


@dataclass
class Measurement:
    """Repeated samples of one metric of one scenario variant."""

    scenario: str
    variant: str
    metric: str
    unit: str
    samples: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else float("nan")

    @property
    def spread(self) -> float:
        """Half the min-max range as a fraction of the median (0.05 = +/-5 %)."""
        if len(self.samples) < 2 or not self.median:
            return 0.0
        return (max(self.samples) - min(self.samples)) / 2 / abs(self.median)


@dataclass
class Results:
    """Everything one benchmark run measured, with the ratios derived from it."""

    command: str
    smoke: bool
    measurements: list[Measurement] = field(default_factory=list)
    ratios: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: raw series for the plots (latencies, drain timelines, RSS over time); not in the JSON
    series: dict[str, list[Any]] = field(default_factory=dict)
    #: the issue's headline figures (``benchmarks._summary``), at the top of the JSON
    summary: dict[str, float | str | None] = field(default_factory=dict)
    #: markdown put before the tables (the targets-vs-measured table)
    preamble: str = ""

    def measure(self, scenario: str, variant: str, metric: str, unit: str) -> Measurement:
        existing = self.get(scenario, variant, metric)
        if existing is not None:
            return existing
        created = Measurement(scenario, variant, metric, unit)
        self.measurements.append(created)
        return created

    def get(self, scenario: str, variant: str, metric: str) -> Measurement | None:
        for existing in self.measurements:
            if (existing.scenario, existing.variant, existing.metric) == (
                scenario,
                variant,
                metric,
            ):
                return existing
        return None

    def ratio(
        self,
        name: str,
        numerator: Measurement | None,
        denominator: Measurement | None,
        *,
        target: str = "",
    ) -> None:
        """Record numerator.median / denominator.median (both measured in this run)."""
        if numerator is None or denominator is None or not denominator.median:
            return
        self.ratios.append(
            {
                "name": name,
                "ratio": numerator.median / denominator.median,
                "numerator": f"{numerator.scenario}/{numerator.variant}/{numerator.metric}",
                "denominator": f"{denominator.scenario}/{denominator.variant}/{denominator.metric}",
                "target": target,
            }
        )

    def machine(self) -> dict[str, Any]:
        return {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "loadavg": os.getloadavg(),
        }

    def stem(self) -> str:
        """``<date>`` (or ``<date>-smoke``): the name of this run's files."""
        stamp = datetime.now(UTC).strftime("%Y-%m-%d")
        return f"{stamp}-smoke" if self.smoke else stamp

    def write(self, directory: Path) -> tuple[Path, Path]:
        directory.mkdir(parents=True, exist_ok=True)
        json_path = directory / f"{self.stem()}.json"
        md_path = directory / f"{self.stem()}.md"
        payload = {
            "summary": self.summary,
            "when": datetime.now(UTC).isoformat(),
            "command": self.command,
            "smoke": self.smoke,
            "machine": self.machine(),
            "measurements": [
                {**asdict(m), "median": m.median, "spread": m.spread} for m in self.measurements
            ],
            "ratios": self.ratios,
            "notes": self.notes,
        }
        json_path.write_text(json.dumps(payload, indent=2) + "\n")
        md_path.write_text(self.markdown())
        return json_path, md_path

    def markdown(self) -> str:
        lines = [
            *([self.preamble, ""] if self.preamble else []),
            f"Command: `{self.command}`",
            "",
            "| scenario | variant | metric | median | spread | n |",
            "|---|---|---|---:|---:|---:|",
        ]
        for m in self.measurements:
            lines.append(
                f"| {m.scenario} | {m.variant} | {m.metric} ({m.unit}) | "
                f"{m.median:,.1f} | ±{m.spread:.0%} | {len(m.samples)} |"
            )
        lines += ["", "| ratio (same run) | value | target |", "|---|---:|---|"]
        for r in self.ratios:
            lines.append(f"| {r['name']} | {r['ratio']:.2f}x | {r['target']} |")
        if self.notes:
            lines += ["", *[f"- {note}" for note in self.notes]]
        return "\n".join(lines) + "\n"
