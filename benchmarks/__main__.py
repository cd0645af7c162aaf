"""``python -m benchmarks [--smoke]``: every scenario, one run, ratios within the run."""

from __future__ import annotations

import argparse
import itertools
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from benchmarks import inbox_throughput, polling, relay, write_overhead
from benchmarks._harness import Results
from benchmarks._plots import plot
from benchmarks._summary import many_databases_rows, summarise, targets_markdown
from postroom import migrations
from postroom.devstack import EmbeddedStack
from postroom.outbox import OutboxMode

_databases = itertools.count()


def _add_ratios(results: Results) -> None:
    best = "LISTEN/NOTIFY, 2 workers, batch 500"
    results.ratio(
        "relay ÷ best polling, saturation throughput",
        results.get("2 relay", "saturation", "throughput"),
        results.get("3 polling", f"{best}, saturation", "throughput"),
        target=">= 10x",
    )
    backlog = "2,000" if results.smoke else "20,000"
    results.ratio(
        "relay ÷ best polling, draining a backlog",
        results.get("2 relay", f"drain a {backlog} backlog", "throughput"),
        results.get("3 polling", f"{best}, drain a {backlog} backlog", "throughput"),
        target=">= 1.5x",
    )
    for rate in ("100/s", "1,000/s", "2,000/s"):
        for metric in ("latency p50", "latency p99"):
            results.ratio(
                f"best polling ÷ relay, {metric} at {rate}",
                results.get("3 polling", f"{best}, {rate}", metric),
                results.get("2 relay", rate, metric),
                target="> 1x" if rate == "1,000/s" else "",
            )
    results.ratio(
        "poll every 1 s ÷ relay, idle source transactions/s (relay: 0 shows as no ratio)",
        results.get("3 idle load", "poll every 1 s", "source transactions"),
        results.get("3 idle load", "debezium relay", "source transactions"),
        target=">= 10x",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="seconds-long run, tiny sizes")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions per scenario")
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each sample")
    parser.add_argument(
        "--only",
        choices=["write", "relay", "polling", "inbox"],
        action="append",
        help="run only these scenarios (default: all)",
    )
    parser.add_argument(
        "--soak-seconds",
        type=float,
        default=600.0,
        help="the relay's soak at 1,000 events/s (RSS flat?); 0 skips it (default: 600)",
    )
    parser.add_argument(
        "--databases",
        default="1,5,10",
        help="source-database counts for one relay process (default: 1,5,10)",
    )
    parser.add_argument(
        "--per-database",
        type=int,
        default=4000,
        help="backlog per source database in the many-databases drain (default: 4000)",
    )
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    parser.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    args = parser.parse_args(argv)
    if args.smoke:
        args.repeat, args.seconds = 1, 0.5
        args.soak_seconds = min(args.soak_seconds, 3.0)
        args.databases, args.per_database = "", 200  # one relay process less: stays quick
    try:
        databases = tuple(int(n) for n in args.databases.split(",") if n.strip())
    except ValueError:
        parser.error(f"--databases must be comma-separated counts, got {args.databases!r}")
    if args.repeat < 1 or args.seconds <= 0 or args.soak_seconds < 0 or args.per_database < 1:
        parser.error("--repeat, --per-database must be >= 1, --seconds > 0, --soak-seconds >= 0")
    if any(n < 1 for n in databases):  # an empty list skips the many-databases scenario
        parser.error("--databases counts must be >= 1")
    only = set(args.only or ["write", "relay", "polling", "inbox"])
    idle_seconds = 1.0 if args.smoke else 10.0
    loads = (100.0, 1000.0, None) if args.smoke else relay.LOADS
    command = "python -m benchmarks " + " ".join(argv if argv is not None else sys.argv[1:])
    results = Results(command=command.strip(), smoke=args.smoke)
    started = time.monotonic()
    failed: list[str] = []

    with EmbeddedStack() as stack:
        broker = stack.broker_kind
        results.notes.append(f"broker: {broker} (POSTROOM_BROKER)")

        def make_database(prefix: str, mode: OutboxMode = "table") -> str:
            url = stack.postgres.create_database(f"{prefix}_{next(_databases)}")
            migrations.upgrade(url, settings=migrations.MigrationSettings(mode=mode))
            return url

        scenarios: dict[str, tuple[str, Callable[[], None]]] = {
            "write": (
                "scenario 1: outbox write overhead",
                lambda: write_overhead.run(
                    results, make_database, seconds=args.seconds, repeat=args.repeat
                ),
            ),
            "relay": (
                "scenarios 2, 5, 6: relay throughput, latency, limit, memory",
                lambda: relay.run(
                    results,
                    make_database,
                    stack.bootstrap_servers,
                    seconds=args.seconds,
                    repeat=args.repeat,
                    idle_seconds=idle_seconds,
                    soak_seconds=args.soak_seconds,
                    databases=databases,
                    per_database=args.per_database,
                ),
            ),
            "polling": (
                "scenario 3: table-polling baselines",
                lambda: polling.run(
                    results,
                    make_database,
                    stack.bootstrap_servers,
                    seconds=args.seconds,
                    repeat=1 if args.smoke else max(1, args.repeat - 1),
                    idle_seconds=idle_seconds,
                    loads=loads,
                ),
            ),
            "inbox": (
                "scenario 4: inbox with and without dedupe",
                lambda: inbox_throughput.run(
                    results,
                    make_database,
                    stack.bootstrap_servers,
                    messages=500 if args.smoke else 20_000,
                    repeat=args.repeat,
                ),
            ),
        }
        relay.LOADS = loads
        for key, (title, scenario) in scenarios.items():
            if key not in only:
                continue
            print(f"{title} ...", flush=True)
            try:
                scenario()
            except Exception as exc:  # keep what the other scenarios measured
                failed.append(key)
                results.notes.append(f"{title} FAILED: {exc!r}")
                traceback.print_exc()
    _add_ratios(results)
    results.notes.append(f"run took {time.monotonic() - started:.0f} s")
    summary = summarise(results, broker)
    results.preamble = targets_markdown(summary, many_databases_rows(results))
    pictures: list[Path] = []
    if not args.no_plots:
        try:
            pictures = plot(results, args.out)
        except Exception as exc:  # matplotlib is in the dev/bench extras; keep the numbers
            results.notes.append(f"no plots: {exc!r}")
    for picture in pictures:
        results.preamble += f"\n\n![{picture.stem}]({picture.name})"
    json_path, md_path = results.write(args.out)
    print(results.markdown())
    print(f"wrote {json_path}, {md_path} and {len(pictures)} plots")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
