"""The issue's headline figures: the JSON's ``summary`` and the targets-vs-measured table.

Every figure is a median (or a ratio of two medians) measured in this run; a figure a
partial run (``--only``) did not measure is ``null`` in the JSON and "—" in the table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from benchmarks._harness import Results, finite_or_none

__all__ = ["SUMMARY_KEYS", "many_databases_rows", "summarise", "targets_markdown"]

BEST_POLLER = "LISTEN/NOTIFY, 2 workers, batch 500"
RAW = "pg_recvlogical"


def _median(scenario: str, variant: str, metric: str) -> Callable[[Results], float | None]:
    def read(results: Results) -> float | None:
        found = results.get(scenario, variant, metric)
        return None if found is None else finite_or_none(found.median)

    return read


def _ratio(name: str) -> Callable[[Results], float | None]:
    def read(results: Results) -> float | None:
        for ratio in results.ratios:
            if ratio["name"] == name:
                return finite_or_none(float(ratio["ratio"]))
        return None

    return read


def _backlog(results: Results) -> str:
    return "2,000" if results.smoke else "20,000"


def _drain(scenario: str, variant: str) -> Callable[[Results], float | None]:
    return lambda r: _median(scenario, variant.format(backlog=_backlog(r)), "throughput")(r)


SOURCES: dict[str, Callable[[Results], float | None]] = {
    "relay_drain_per_s": _drain("2 relay", "drain a {backlog} backlog"),
    "best_polling_drain_per_s": _drain("3 polling", BEST_POLLER + ", drain a {backlog} backlog"),
    "raw_decoding_drain_per_s": _drain("7 raw decoding", RAW + ", drain a {backlog} backlog"),
    "relay_p50_ms_1k": _median("2 relay", "1,000/s", "latency p50"),
    "relay_p99_ms_1k": _median("2 relay", "1,000/s", "latency p99"),
    "best_polling_p50_ms_1k": _median("3 polling", f"{BEST_POLLER}, 1,000/s", "latency p50"),
    "best_polling_p99_ms_1k": _median("3 polling", f"{BEST_POLLER}, 1,000/s", "latency p99"),
    "inbox_batch_per_s": _median("4 inbox", "inbox-batch", "handled"),
    "inbox_batch_no_dedupe_per_s": _median("4 inbox", "no-dedupe-batch", "handled"),
    "inbox_single_per_s": _median("4 inbox", "inbox", "handled"),
    "overhead_wal_message_sync_1row": _ratio(
        "outbox overhead sync 1-row, wal-message (alone ÷ with)"
    ),
    "overhead_table_sync_1row": _ratio("outbox overhead sync 1-row, table (alone ÷ with)"),
    "publish_batch_speedup_100": _ratio("publish_many ÷ publish loop, 100 events/txn"),
    "relay_p50_ms_100": _median("2 relay", "100/s", "latency p50"),
    "relay_p99_ms_100": _median("2 relay", "100/s", "latency p99"),
    "relay_start_s": _median("8 relay process", "start", "process start -> streaming"),
    "relay_rss_mib_saturation": _median("6 memory", "relay process", "RSS after saturation"),
    "relay_rss_mib_soak_end": _median("6 memory", "relay process", "RSS at the end of the soak"),
}

#: exactly the keys issue 14 asks for, in its order
SUMMARY_KEYS = (*SOURCES, "broker")


def summarise(results: Results, broker: str) -> dict[str, float | str | None]:
    summary: dict[str, float | str | None] = {key: read(results) for key, read in SOURCES.items()}
    summary["broker"] = broker
    results.summary = summary
    return summary


@dataclass(frozen=True)
class _Target:
    label: str
    measured: Callable[[dict[str, float | str | None]], str]
    target: str
    met: Callable[[dict[str, float | str | None]], bool | None]


def _num(summary: dict[str, float | str | None], key: str) -> float | None:
    value = summary.get(key)
    return value if isinstance(value, float | int) else None


def _fmt(value: float | None, unit: str = "", digits: int = 0) -> str:
    return "—" if value is None else f"{value:,.{digits}f}{unit}"


def _div(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or not b else a / b


def _all(*checks: bool | None) -> bool | None:
    if any(check is None for check in checks):
        return None
    return all(checks)


def _le(value: float | None, bound: float) -> bool | None:
    return None if value is None else value <= bound


def _ge(value: float | None, bound: float) -> bool | None:
    return None if value is None else value >= bound


def _lt(a: float | None, b: float | None) -> bool | None:
    return None if a is None or b is None else a < b


def _flat(before: float | None, after: float | None) -> bool | None:
    ratio = _div(after, before)
    return None if ratio is None else abs(ratio - 1) <= 0.10


def _targets() -> list[_Target]:
    n = _num
    return [
        _Target(
            "relay drain of the backlog",
            lambda s: (
                f"{_fmt(n(s, 'relay_drain_per_s'))}/s = "
                f"{_fmt(_div(n(s, 'relay_drain_per_s'), n(s, 'best_polling_drain_per_s')), 'x', 2)}"
                f" best poller ({_fmt(n(s, 'best_polling_drain_per_s'))}/s), "
                f"{_fmt(_div(n(s, 'relay_drain_per_s'), n(s, 'raw_decoding_drain_per_s')), 'x', 2)}"
                f" raw decoding ({_fmt(n(s, 'raw_decoding_drain_per_s'))}/s)"
            ),
            "≥ 1.5x best poller, ≥ 0.5x raw decoding",
            lambda s: _all(
                _ge(_div(n(s, "relay_drain_per_s"), n(s, "best_polling_drain_per_s")), 1.5),
                _ge(_div(n(s, "relay_drain_per_s"), n(s, "raw_decoding_drain_per_s")), 0.5),
            ),
        ),
        _Target(
            "commit→consume at 1,000 events/s",
            lambda s: (
                f"p50 {_fmt(n(s, 'relay_p50_ms_1k'), ' ms', 1)}, "
                f"p99 {_fmt(n(s, 'relay_p99_ms_1k'), ' ms', 1)} (best poller "
                f"{_fmt(n(s, 'best_polling_p50_ms_1k'), '', 1)} / "
                f"{_fmt(n(s, 'best_polling_p99_ms_1k'), ' ms', 1)})"
            ),
            "p50 ≤ 8 ms, p99 ≤ 30 ms, both below the best poller's",
            lambda s: _all(
                _le(n(s, "relay_p50_ms_1k"), 8),
                _le(n(s, "relay_p99_ms_1k"), 30),
                _lt(n(s, "relay_p50_ms_1k"), n(s, "best_polling_p50_ms_1k")),
                _lt(n(s, "relay_p99_ms_1k"), n(s, "best_polling_p99_ms_1k")),
            ),
        ),
        _Target(
            "inbox, batch mode",
            lambda s: (
                f"{_fmt(n(s, 'inbox_batch_per_s'))} msg/s = "
                + _fmt(_div(n(s, "inbox_batch_per_s"), n(s, "inbox_batch_no_dedupe_per_s")), "x", 2)
                + " without dedupe"
            ),
            "≥ 10,000 msg/s, ≥ 0.9x without dedupe",
            lambda s: _all(
                _ge(n(s, "inbox_batch_per_s"), 10_000),
                _ge(_div(n(s, "inbox_batch_per_s"), n(s, "inbox_batch_no_dedupe_per_s")), 0.9),
            ),
        ),
        _Target(
            "inbox, one transaction per message",
            lambda s: f"{_fmt(n(s, 'inbox_single_per_s'))} msg/s",
            "≥ 3,000 msg/s",
            lambda s: _ge(n(s, "inbox_single_per_s"), 3_000),
        ),
        _Target(
            "`publish()` overhead, sync 1-row, `wal-message`",
            lambda s: _fmt(n(s, "overhead_wal_message_sync_1row"), "x", 2),
            "≤ 1.15x",
            lambda s: _le(n(s, "overhead_wal_message_sync_1row"), 1.15),
        ),
        _Target(
            "`publish()` overhead, sync 1-row, `table`",
            lambda s: _fmt(n(s, "overhead_table_sync_1row"), "x", 2),
            "≤ 1.30x",
            lambda s: _le(n(s, "overhead_table_sync_1row"), 1.30),
        ),
        _Target(
            "100 events in one transaction: `publish_many` ÷ `publish` loop",
            lambda s: _fmt(n(s, "publish_batch_speedup_100"), "x", 2),
            "≥ 5x",
            lambda s: _ge(n(s, "publish_batch_speedup_100"), 5),
        ),
        _Target(
            "commit→consume at 100 events/s",
            lambda s: (
                f"p50 {_fmt(n(s, 'relay_p50_ms_100'), ' ms', 1)}, "
                f"p99 {_fmt(n(s, 'relay_p99_ms_100'), ' ms', 1)}"
            ),
            "p50 ≤ 5 ms, p99 ≤ 20 ms",
            lambda s: _all(_le(n(s, "relay_p50_ms_100"), 5), _le(n(s, "relay_p99_ms_100"), 20)),
        ),
        _Target(
            "relay start (process start → streaming)",
            lambda s: _fmt(n(s, "relay_start_s"), " s", 2),
            "≤ 3 s",
            lambda s: _le(n(s, "relay_start_s"), 3),
        ),
        _Target(
            "relay RSS after saturation / at the end of the soak",
            lambda s: (
                f"{_fmt(n(s, 'relay_rss_mib_saturation'))} / "
                f"{_fmt(n(s, 'relay_rss_mib_soak_end'))} MiB"
            ),
            "≤ 400 MiB, flat (±10 %)",
            lambda s: _all(
                _le(n(s, "relay_rss_mib_saturation"), 400),
                _le(n(s, "relay_rss_mib_soak_end"), 400),
                _flat(n(s, "relay_rss_mib_saturation"), n(s, "relay_rss_mib_soak_end")),
            ),
        ),
    ]


def targets_markdown(summary: dict[str, float | str | None], extra_rows: list[str]) -> str:
    """The targets-vs-measured table of issue 14, ready to paste into docs."""
    lines = [
        f"Broker: {summary.get('broker')}. Every figure is a median of this run; ratios "
        "compare medians of the same run.",
        "",
        "| measurement | measured | target | met |",
        "|---|---|---|:-:|",
    ]
    for target in _targets():
        met = target.met(summary)
        mark = "—" if met is None else ("yes" if met else "**no**")
        lines.append(f"| {target.label} | {target.measured(summary)} | {target.target} | {mark} |")
    lines += extra_rows
    return "\n".join(lines)


def many_databases_rows(results: Results) -> list[str]:
    """Rows for one relay process with 1, 5, 10 source databases, the first events after
    a start, and the cost of each added database (RSS and throughput, from the two ends)."""
    rows: list[str] = []
    first = results.get("8 relay process", "first events after start, 100/s", "latency p99")
    if first is not None:
        worst = results.get("8 relay process", "first events after start, 100/s", "latency max")
        rows.append(
            f"| first events after start (100/s, no warm-up) | p99 {first.median:,.1f} ms, "
            f"max {worst.median if worst else float('nan'):,.1f} ms | no spike | — |"
        )
    points: list[tuple[int, float, float]] = []
    for m in results.measurements:
        if m.scenario == "9 many databases" and m.metric == "drain throughput":
            count = int(m.variant.split()[0])
            rss = results.get(m.scenario, m.variant, "RSS after the drain")
            per = results.get(m.scenario, m.variant, "drain throughput per database")
            rss_value = rss.median if rss else float("nan")
            rows.append(
                f"| relay with {m.variant} | {m.median:,.0f} events/s in all "
                f"({per.median if per else float('nan'):,.0f}/s per database), "
                f"RSS {rss_value:,.0f} MiB | reported | — |"
            )
            points.append((count, m.median, rss_value))
    if len(points) >= 2:
        points.sort()
        (n0, rate0, rss0), (n1, rate1, rss1) = points[0], points[-1]
        rows.append(
            f"| cost per added database ({n0}→{n1}) | {(rss1 - rss0) / (n1 - n0):+,.0f} MiB RSS, "
            f"{(rate1 - rate0) / (n1 - n0):+,.0f} events/s in all | stated | — |"
        )
    return rows
