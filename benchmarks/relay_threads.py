"""Where a drain's CPU goes: backlog drains in one relay process, CPU per thread of the
relay (Python and its JVM) and of the broker and PostgreSQL, per event.

Each round writes ``--events`` outbox rows while no relay runs, starts a ``Relay`` in
this process (the JVM stays up between rounds, as in a long-running relay) and waits
until it has relayed them all; CPU comes from ``/proc`` before and after. ``--jfr FILE``
also records a JFR profile of the JVM and writes it to FILE at the end.

    .venv/bin/python -m benchmarks.relay_threads [--events 20000] [--rounds 3] [--jfr FILE]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import sqlalchemy as sa

from benchmarks.relay_throughput import wait_relayed, write
from postroom import migrations
from postroom.connectors import ConnectorConfig, Relay, RelaySource
from postroom.connectors.relay import relay_jvm_options
from postroom.devstack import EmbeddedStack

_TICKS = os.sysconf("SC_CLK_TCK")
_JFR_OPTION = "-XX:StartFlightRecording=settings=profile"


def _cpu_seconds(stat_path: str) -> float:
    """User + system CPU of a process or thread from its ``stat`` file."""
    with open(stat_path) as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def threads_cpu() -> dict[str, float]:
    """CPU seconds per thread of this process, keyed ``name:tid``."""
    cpu: dict[str, float] = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            name = Path(f"/proc/self/task/{tid}/comm").read_text().strip()
            cpu[f"{name}:{tid}"] = _cpu_seconds(f"/proc/self/task/{tid}/stat")
        except OSError:
            continue
    return cpu


def servers_cpu() -> dict[str, float]:
    """CPU seconds of PostgreSQL's processes and the broker's, keyed ``kind:pid``."""
    cpu: dict[str, float] = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        if int(pid) == os.getpid():
            continue
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
            seconds = _cpu_seconds(f"/proc/{pid}/stat")
        except OSError:
            continue
        if b"postgres" in command:
            cpu[f"postgres:{pid}"] = seconds
        elif b"java" in command or b"tansu" in command:
            cpu[f"broker:{pid}"] = seconds
    return cpu


def by_kind(used: dict[str, float]) -> dict[str, float]:
    """Per-process CPU summed per kind (the part of a key before ``:``)."""
    kinds: dict[str, float] = defaultdict(float)
    for key, seconds in used.items():
        kinds[key.split(":", 1)[0]] += seconds
    return kinds


def report(
    events: int, before: dict[str, float], after: dict[str, float], *, top: int, group: bool
) -> None:
    """CPU per event of what ran in both snapshots, the busiest first."""
    used = {key: after[key] - before[key] for key in after if key in before}
    rows = by_kind(used) if group else used
    for key, seconds in sorted(rows.items(), key=lambda row: -row[1])[:top]:
        print(f"    {key:40s} {seconds * 1e6 / events:7.1f} µs/event")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jfr", type=Path, help="write a JFR profile of the relay's JVM here")
    args = parser.parse_args()
    if args.events < 1 or args.rounds < 1:
        parser.error("--events and --rounds must be at least 1")
    if args.jfr is not None:
        options = (*relay_jvm_options(), _JFR_OPTION)
        os.environ["POSTROOM_RELAY_JVM_OPTS"] = " ".join(options)
    with EmbeddedStack() as stack, tempfile.TemporaryDirectory() as state:
        url = stack.postgres.create_database("bench_threads")
        migrations.upgrade(url)
        engine = sa.create_engine(url)
        config = ConnectorConfig.from_url("bench_threads", url, aggregate_types=("bulk",))
        for number in range(1, args.rounds + 1):
            write(engine, "bulk", args.events)
            relay = Relay(
                [RelaySource(config, url)],
                bootstrap_servers=stack.bootstrap_servers,
                state_dir=Path(state),
            )
            try:
                relay.start()
                relay.wait_streaming()
                threads, servers = threads_cpu(), servers_cpu()
                first = wait_relayed(relay, args.events)
                rate = args.events / max(time.perf_counter() - first, 1e-9)
                threads_after, servers_after = threads_cpu(), servers_cpu()
            finally:
                relay.stop()
            print(f"round {number}: {rate:,.0f} events/s")
            report(args.events, threads, threads_after, top=8, group=False)
            report(args.events, servers, servers_after, top=2, group=True)
        engine.dispose()
        if args.jfr is not None:
            import jpype

            recorder = jpype.JClass("jdk.jfr.FlightRecorder").getFlightRecorder()
            recorder.getRecordings().get(0).dump(
                jpype.JClass("java.nio.file.Paths").get(str(args.jfr.resolve()))
            )
            print(f"JFR profile: {args.jfr}")


if __name__ == "__main__":
    main()
