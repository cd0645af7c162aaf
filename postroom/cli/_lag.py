"""``postroom lag`` (every flow's lag, once, as a table or JSON; ``--watch``; ``--check``
for cron, systemd and Kubernetes probes) and ``postroom monitor`` (the same on a schedule,
served as a status page with ``/metrics`` and ``/healthz``).

A flow runs from a source database (``--source NAME=URL``, read by relay connector NAME)
to a consumer group (``--group``). ``--check`` prints one line and exits 1 when any
threshold is crossed, naming the relay and database or the group where events are stuck.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from typing import Any

from postroom.cli._numbers import count, finite, port
from postroom.cli._options import (
    BOOTSTRAP_SERVERS,
    CONNECT_URL,
    add_env_option,
    add_json_option,
)
from postroom.errors import ConfigurationError, PostroomError

__all__ = ["register"]

_LIMITS = {  # option -> (Thresholds field, type, help); the defaults are Thresholds'
    "--max-retained-wal-bytes": ("max_retained_wal_bytes", count(0), "WAL a slot may pin (1 GiB)"),
    "--max-confirmed-flush-lag-bytes": (
        "max_confirmed_flush_lag_bytes",
        count(0),
        "WAL not yet confirmed by the relay (256 MiB)",
    ),
    "--max-heartbeat-age": (
        "max_heartbeat_age_s",
        finite(),
        "seconds since the last heartbeat (60)",
    ),
    "--max-probe-latency": ("max_probe_latency_s", finite(), "seconds, probe commit to read (10)"),
    "--max-group-lag": ("max_group_lag", count(0), "records a group may be behind (1000)"),
    "--max-dead-letters": (
        "max_dead_letters",
        count(0),
        "records on a group's dead-letter topics (0)",
    ),
}


def _thresholds(args: argparse.Namespace) -> Any:
    from postroom.ops import Thresholds

    chosen = {field: getattr(args, field) for field, _, _ in _LIMITS.values()}
    return Thresholds(**{k: v for k, v in chosen.items() if v is not None})


def _monitor(args: argparse.Namespace) -> Any:
    from postroom.connectors import RelaySource
    from postroom.connectors.relay import recorded_config
    from postroom.ops import LagMonitor

    if not args.bootstrap_servers:
        raise ConfigurationError(
            "--bootstrap-servers is required: give it, or set POSTROOM_BOOTSTRAP_SERVERS"
        )
    sources = []
    for spec in args.source:
        name, sep, url = spec.partition("=")
        if not sep or not name or not url:
            raise ConfigurationError(f"--source must look like NAME=postgresql://..., got {spec!r}")
        given = {"mode": args.mode} if args.mode else {}
        source = RelaySource.from_url(
            name, url, heartbeat_interval_ms=args.heartbeat_interval_ms, **given
        )
        # Slot, mode and table as the database recorded them when it was migrated.
        connector = recorded_config(source.connector, source.database_url)
        sources.append(RelaySource(connector, source.database_url))
    if not sources and not args.group:
        raise PostroomError("name at least one --source or --group to measure")
    return LagMonitor(
        sources,
        args.group,
        bootstrap_servers=args.bootstrap_servers,
        probe=not args.no_probe,
        probe_timeout_s=args.probe_timeout,
        connect_url=args.connect_url,
    )


def _table(report: Any, limits: Any) -> Any:
    from rich.table import Table

    def seconds(value: float | None) -> str:
        return "-" if value is None else f"{value:.2f} s"

    table = Table("flow", "where", "state", "behind", "age / latency", "verdict")
    for source in report.sources:
        slot = source.slot
        problems = source.problems(limits)
        table.add_row(
            f"{source.name} → Kafka",
            f"{source.database}, slot {source.slot_name}",
            "-" if slot is None else "reading" if slot.active else "[red]not read[/]",
            "-" if slot is None else f"{slot.retained_bytes:,} B WAL",
            f"heartbeat {seconds(source.heartbeat_age_s)}, probe "
            + (seconds(source.probe_latency_s) if source.probed else "off"),
            "[red]" + "; ".join(problems).partition(": ")[2] + "[/]" if problems else "ok",
        )
    for group in report.groups:
        problems = group.problems(limits)
        lagging = [f"{p.topic}[{p.partition}]={p.lag}" for p in group.lag.partitions if p.lag]
        table.add_row(
            f"Kafka → {group.lag.group}",
            ", ".join(lagging) or ", ".join(group.lag.topics) or "-",
            f"{group.lag.state}, {group.lag.members} member(s)",
            f"{group.lag.lag:,} records",
            f"{group.dead_letter_depth} dead letter(s)",
            "[red]" + "; ".join(problems).partition(": ")[2] + "[/]" if problems else "ok",
        )
    for error in report.errors:
        table.add_row("-", "-", "-", "-", "-", f"[red]{error}[/]")
    return table


def _lag(args: argparse.Namespace) -> int:
    from rich.console import Console

    limits = _thresholds(args)
    monitor = _monitor(args)
    try:
        if args.watch is not None:
            return _watch(monitor, limits, args.watch)
        report = monitor.measure()
    finally:
        monitor.close()
    problems = report.problems(limits)
    if args.json:
        sys.stdout.write(json.dumps({**report.as_dict(), "problems": problems}, indent=2) + "\n")
    elif not args.check:
        Console().print(_table(report, limits))
    if args.check:
        if problems:
            sys.stdout.write("lag check failed: " + " | ".join(problems) + "\n")
            return 1
        flows = len(report.sources) + len(report.groups)
        sys.stdout.write(f"lag check ok: {flows} flow(s) within thresholds\n")
    return 0


def _watch(monitor: Any, limits: Any, every: float) -> int:
    from rich.live import Live

    with Live(auto_refresh=False) as live:
        try:
            while True:
                started = time.monotonic()
                live.update(_table(monitor.measure(), limits), refresh=True)
                time.sleep(max(0.0, every - (time.monotonic() - started)))
        except KeyboardInterrupt:
            return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from postroom.ops import lag_metrics, status_page

    limits = _thresholds(args)
    monitor = _monitor(args)
    stop = threading.Event()
    measuring = threading.Thread(
        target=monitor.run, args=(stop,), kwargs={"interval_s": args.interval}, daemon=True
    )
    app = status_page(
        monitor, thresholds=limits, registry=lag_metrics(monitor), interval_s=args.interval
    )
    server = uvicorn.Server(
        uvicorn.Config(app, host=args.host, port=args.port, log_level="warning")
    )
    measuring.start()
    sys.stdout.write(f"status page on http://{args.host}:{args.port}/\n")
    sys.stdout.flush()
    try:
        server.run()  # returns on SIGTERM/SIGINT (uvicorn's own handlers)
    finally:
        stop.set()
        measuring.join(args.probe_timeout + 30)
        monitor.close()
    return 0


def _flow_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--source", action="append", default=[], help="NAME=postgresql://... (repeatable)"
    )
    parser.add_argument("--group", action="append", default=[], help="consumer group (repeatable)")
    add_env_option(parser, BOOTSTRAP_SERVERS, required=False)
    parser.add_argument(
        "--mode",
        default=None,
        choices=["table", "retain", "wal-message"],
        help="default: as each database recorded it; given, it must agree with the record",
    )
    parser.add_argument(
        "--heartbeat-interval-ms", type=count(0), default=10_000, help="the relay's (0: off)"
    )
    add_env_option(parser, CONNECT_URL, required=False)
    parser.add_argument("--no-probe", action="store_true", help="write no probe events")
    parser.add_argument("--probe-timeout", type=finite(positive=True), default=10.0, help="seconds")
    for option, (field, kind, text) in _LIMITS.items():
        parser.add_argument(option, dest=field, type=kind, metavar="N", help=text)


def register(commands: argparse._SubParsersAction[Any]) -> None:
    lag = commands.add_parser("lag", help="every flow's lag: slots, heartbeats, probe, groups")
    _flow_arguments(lag)
    add_json_option(lag)
    lag.add_argument(
        "--watch",
        nargs="?",
        type=finite(positive=True),
        const=5.0,
        metavar="SECONDS",
        help="refresh in place",
    )
    lag.add_argument("--check", action="store_true", help="exit 1 if a threshold is crossed")
    lag.set_defaults(func=_lag)

    monitor = commands.add_parser(
        "monitor", help="measure on a schedule; serve the status page, /metrics and /healthz"
    )
    _flow_arguments(monitor)
    monitor.add_argument(
        "--host", default="127.0.0.1", help="address to serve on (default: 127.0.0.1)"
    )
    monitor.add_argument("--port", type=port, default=9400, help="port to serve on (default: 9400)")
    monitor.add_argument(
        "--interval", type=finite(positive=True), default=10.0, help="seconds between rounds"
    )
    monitor.set_defaults(func=_serve)
