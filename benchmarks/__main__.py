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
        target=">= 10x",
    )
    for rate in ("1,000/s", "2,000/s"):
        results.ratio(
            f"best polling ÷ relay, p50 latency at {rate}",
            results.get("3 polling", f"{best}, {rate}", "latency p50"),
            results.get("2 relay", rate, "latency p50"),
            target="> 1x (relay p50 <= 5 ms at 1,000/s)",
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
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    args = parser.parse_args(argv)
    if args.smoke:
        args.repeat, args.seconds = 1, 0.5
    if args.repeat < 1 or args.seconds <= 0:
        parser.error("--repeat must be >= 1 and --seconds > 0")
    only = set(args.only or ["write", "relay", "polling", "inbox"])
    idle_seconds = 1.0 if args.smoke else 10.0
    loads = (200.0, None) if args.smoke else relay.LOADS
    command = "python -m benchmarks " + " ".join(argv if argv is not None else sys.argv[1:])
    results = Results(command=command.strip(), smoke=args.smoke)
    started = time.monotonic()
    failed: list[str] = []

    with EmbeddedStack() as stack:
        results.notes.append(f"broker: {stack.broker_kind} (POSTROOM_BROKER)")

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
    json_path, md_path = results.write(args.out)
    print(results.markdown())
    print(f"wrote {json_path} and {md_path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
