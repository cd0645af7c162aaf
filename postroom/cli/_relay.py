"""``postroom relay`` (run the embedded relay until SIGTERM), ``postroom slot list|drop``
and ``postroom retain maintain`` (daily partitions of the ``retain`` outbox mode).

``postroom relay`` runs the Debezium engines in threads (``engine.run()`` blocks inside
Java and ignores signals); SIGTERM or SIGINT sets an event, the main thread closes every
engine, which commits the offsets of what the broker acknowledged, and exits 0. It is
also the process the crash tests start and kill: ``python -m postroom.cli relay ...``.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from postroom.errors import PostroomError

__all__ = ["register"]


def _sources(args: argparse.Namespace) -> list[Any]:
    from postroom.connectors._connector_config import ConnectorConfig
    from postroom.connectors.relay._relay import RelaySource

    sources = []
    for spec in args.source:
        name, sep, url = spec.partition("=")
        if not sep or not name or not url:
            raise PostroomError(f"--source must look like NAME=postgresql://..., got {spec!r}")
        config = ConnectorConfig.from_url(
            name,
            url,
            mode=args.mode,
            heartbeat_interval_ms=args.heartbeat_interval_ms,
            offset_flush_interval_ms=args.offset_flush_interval_ms,
            aggregate_types=tuple(args.aggregate_type),
            topic_partitions=args.partitions,
        )
        if url.startswith("postgresql://"):  # SQLAlchemy's default driver is not ours
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        sources.append(RelaySource(config, url))
    return sources


def _say(message: str) -> None:
    sys.stdout.write(message + "\n")
    sys.stdout.flush()


def _relay(args: argparse.Namespace) -> int:
    from postroom.connectors.relay._relay import Relay
    from postroom.ops import configure_tracing

    configure_tracing("postroom-relay")  # only if OTEL_EXPORTER_OTLP_ENDPOINT is set
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    relay = Relay(
        _sources(args), bootstrap_servers=args.bootstrap_servers, state_dir=Path(args.state_dir)
    )
    metrics = None
    try:
        relay.start()
        if args.metrics_port is not None:
            from postroom.ops import MetricsServer, relay_metrics

            metrics = MetricsServer(relay_metrics(relay), args.metrics_port)
            _say(f"metrics on {metrics.url}")
        relay.wait_streaming()
        _say(f"streaming {', '.join(s.connector.name for s in relay.sources)}")
        while not stop.wait(0.2):
            if relay.errors:
                sys.stderr.write(f"error: {relay.errors[0]}\n")
                return 1
    finally:
        relay.stop()
        if metrics is not None:
            metrics.close()
    _say(f"stopped after relaying {relay.relayed} records; offsets committed")
    return 0


def _slot_list(args: argparse.Namespace) -> int:
    from postroom.connectors.relay._slots import list_slots

    slots = list_slots(args.database_url)
    if args.json:
        _say(json.dumps([slot.as_dict() for slot in slots], indent=2))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table("slot", "database", "active", "confirmed up to", "retained WAL", "unconsumed")
    for slot in slots:
        table.add_row(
            slot.slot_name,
            slot.database,
            "yes" if slot.active else "no",
            slot.confirmed_flush_lsn or "-",
            f"{slot.retained_bytes:,} B",
            f"{slot.unconsumed_bytes:,} B",
        )
    Console().print(table)
    return 0


def _slot_drop(args: argparse.Namespace) -> int:
    from postroom.connectors.relay._slots import drop_slot

    slot = drop_slot(args.database_url, args.name, force=args.force)
    if slot.unconsumed_bytes:
        sys.stderr.write(
            f"warning: dropped slot {slot.slot_name!r} with {slot.unconsumed_bytes} bytes of "
            "unconsumed WAL\n"
        )
    _say(f"dropped slot {slot.slot_name!r}")
    return 0


def _retain_maintain(args: argparse.Namespace) -> int:
    from datetime import timedelta

    import sqlalchemy as sa

    from postroom.outbox._retained import maintain_retained_outbox

    url = args.database_url
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            created, dropped = maintain_retained_outbox(
                connection,
                retention=timedelta(days=args.retention_days),
                days_ahead=args.days_ahead,
                schema=args.schema,
            )
    finally:
        engine.dispose()
    _say(json.dumps({"created": created, "dropped": dropped}))
    return 0


def register(commands: argparse._SubParsersAction[Any]) -> None:
    relay = commands.add_parser("relay", help="relay service outboxes to Kafka until SIGTERM")
    relay.add_argument(
        "--source", action="append", required=True, help="NAME=postgresql://... (repeatable)"
    )
    relay.add_argument("--bootstrap-servers", required=True)
    relay.add_argument("--state-dir", required=True, help="where source offsets are kept")
    relay.add_argument("--mode", default="table", choices=["table", "retain", "wal-message"])
    relay.add_argument("--heartbeat-interval-ms", type=int, default=10_000)
    relay.add_argument("--offset-flush-interval-ms", type=int, default=0)
    relay.add_argument(
        "--aggregate-type", action="append", default=[], help="create its topic up front"
    )
    relay.add_argument("--partitions", type=int, default=3, help="for topics created up front")
    relay.add_argument("--metrics-port", type=int, help="serve Prometheus /metrics on this port")
    relay.set_defaults(func=_relay)

    slot = commands.add_parser("slot", help="list or drop logical replication slots")
    actions = slot.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="slots with retained and unconsumed WAL")
    listing.add_argument("--database-url", required=True)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=_slot_list)
    drop = actions.add_parser("drop", help="drop a slot (refuses if it holds unread WAL)")
    drop.add_argument("name")
    drop.add_argument("--database-url", required=True)
    drop.add_argument("--force", action="store_true", help="drop even with unconsumed WAL")
    drop.set_defaults(func=_slot_drop)

    retain = commands.add_parser("retain", help="the retain outbox mode's daily partitions")
    retain_actions = retain.add_subparsers(dest="action", required=True)
    maintain = retain_actions.add_parser(
        "maintain", help="create the coming days' partitions, drop days past retention"
    )
    maintain.add_argument("--database-url", required=True)
    maintain.add_argument("--retention-days", type=float, default=30.0)
    maintain.add_argument("--days-ahead", type=int, default=7)
    maintain.add_argument("--schema", default=None)
    maintain.set_defaults(func=_retain_maintain)
