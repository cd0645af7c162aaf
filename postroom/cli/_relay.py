"""``postroom relay`` (run the embedded relay until SIGTERM), ``postroom slot list|drop``
and ``postroom retain maintain`` (daily partitions of the ``retain`` outbox mode).

``postroom relay`` runs the Debezium engines in threads (``engine.run()`` blocks inside
Java and ignores signals); SIGTERM or SIGINT sets an event, the main thread closes every
engine, which commits the offsets of what the broker acknowledged, and exits 0. It is
also the process the crash tests start and kill: ``python -m postroom.cli relay ...``.

The broker must answer (within seconds) before any database is touched. The relay
creates nothing that holds WAL: it adopts the replication slot the database's migration
created (``postroom migrate upgrade``), so a failed start leaves nothing behind.
"""

from __future__ import annotations

import argparse
import gc
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from postroom.cli._broker import require_broker
from postroom.cli._numbers import finite, port
from postroom.cli._options import (
    BOOTSTRAP_SERVERS,
    DATABASE_URL,
    STATE_DIR,
    add_env_option,
    add_json_option,
)
from postroom.cli._output import print_json, say, table
from postroom.errors import ConfigurationError

__all__ = ["register"]

_MODES = ["table", "retain", "wal-message"]


def _sources(args: argparse.Namespace) -> list[Any]:
    from postroom.connectors.relay import RelaySource

    sources = []
    for spec in args.source:
        name, sep, url = spec.partition("=")
        if not sep or not name or not url:
            raise ConfigurationError(f"--source must look like NAME=postgresql://..., got {spec!r}")
        # Mode, schema, table, slot: from the database's record unless given here (and
        # then they must agree with it).
        options: dict[str, Any] = {"mode": args.mode, "schema": args.schema, "table": args.table}
        sources.append(
            RelaySource.from_url(
                name,
                url,
                heartbeat_interval_ms=args.heartbeat_interval_ms,
                offset_flush_interval_ms=args.offset_flush_interval_ms,
                aggregate_types=tuple(args.aggregate_type),
                topic_partitions=args.partitions,
                **{key: value for key, value in options.items() if value is not None},
            )
        )
    return sources


def _relay(args: argparse.Namespace) -> int:
    from postroom.connectors.relay import Relay
    from postroom.ops import configure_tracing

    configure_tracing("postroom-relay")  # only if OTEL_EXPORTER_OTLP_ENDPOINT is set
    sources = _sources(args)
    require_broker(args.bootstrap_servers)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    relay = Relay(
        sources,
        bootstrap_servers=args.bootstrap_servers,
        state_dir=Path(args.state_dir),
        offset_store=args.offset_store,
    )
    metrics = None
    try:
        try:
            relay.start()
            if args.metrics_port is not None:
                from postroom.ops import MetricsServer, relay_metrics

                metrics = MetricsServer(relay_metrics(relay), args.metrics_port)
                say(f"metrics on {metrics.url}")
            relay.wait_streaming()
        except BaseException:
            relay.stop()
            raise
        # Everything loaded so far (SQLAlchemy, kafka-python, JPype: ~10^5 objects) lives
        # as long as the process: out of the cycle collector's sight, a full collection
        # no longer holds the GIL for tens of ms while a batch waits for it.
        gc.freeze()
        say(f"streaming {', '.join(s.connector.name for s in relay.sources)}")
        while not stop.wait(0.2):
            if relay.errors:
                raise relay.errors[0]
    finally:
        relay.stop()
        if metrics is not None:
            metrics.close()
    say(f"stopped after relaying {relay.relayed} records; offsets committed")
    return 0


def _slot_list(args: argparse.Namespace) -> int:
    from postroom.connectors.relay import list_slots
    from postroom.database_errors import database_errors
    from postroom.database_url import sync_url

    url = sync_url(args.database_url)
    with database_errors(url):
        slots = list_slots(url)
    if args.json:
        print_json([slot.as_dict() for slot in slots])
        return 0
    rows = [
        {
            "slot": slot.slot_name,
            "database": slot.database,
            "reader": f"pid {slot.active_pid}" if slot.active else "none",
            "confirmed up to": slot.confirmed_flush_lsn or "-",
            "retained WAL": f"{slot.retained_bytes:,} B",
            "unconsumed": f"{slot.unconsumed_bytes:,} B",
        }
        for slot in slots
    ]
    table("replication slots", rows, list(rows[0]) if rows else ["slot", "database", "reader"])
    for slot in slots:
        if slot.idle_warning:
            sys.stderr.write(f"warning: {slot.slot_name}: {slot.idle_warning}\n")
    return 0


def _slot_drop(args: argparse.Namespace) -> int:
    from postroom.connectors.relay import drop_slot
    from postroom.database_errors import database_errors
    from postroom.database_url import sync_url

    url = sync_url(args.database_url)
    with database_errors(url):
        slot = drop_slot(url, args.name, force=args.force)
    if slot.unconsumed_bytes:
        sys.stderr.write(
            f"warning: dropped slot {slot.slot_name!r} with {slot.unconsumed_bytes} bytes of "
            "unconsumed WAL\n"
        )
    if args.json:
        print_json({"dropped": slot.as_dict()})
    else:
        say(f"dropped slot {slot.slot_name!r}")
    return 0


def _retain_maintain(args: argparse.Namespace) -> int:
    from datetime import timedelta

    import sqlalchemy as sa

    from postroom.database_errors import database_errors
    from postroom.database_url import sync_url
    from postroom.outbox import maintain_retained_outbox

    url = sync_url(args.database_url)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with database_errors(url), engine.begin() as connection:
            created, dropped = maintain_retained_outbox(
                connection,
                retention=timedelta(days=args.retention_days),
                days_ahead=args.days_ahead,
                schema=args.schema,
            )
    finally:
        engine.dispose()
    if args.json:
        print_json({"created": created, "dropped": dropped})
    else:
        say(f"retained outbox: created {len(created)} partitions, dropped {len(dropped)}")
    return 0


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def _register_relay(commands: argparse._SubParsersAction[Any]) -> None:
    relay = commands.add_parser(
        "relay",
        help="relay service outboxes to Kafka until SIGTERM",
        description="Run the embedded Debezium relay in the foreground; SIGTERM/SIGINT "
        "commit what the broker acknowledged and exit 0.",
    )
    relay.add_argument(
        "--source",
        action="append",
        required=True,
        metavar="NAME=URL",
        help="a service outbox to relay: connector name and its database URL (repeatable)",
    )
    add_env_option(relay, BOOTSTRAP_SERVERS)
    add_env_option(relay, STATE_DIR)
    relay.add_argument(
        "--offset-store",
        default="file",
        choices=["file", "database", "kafka"],
        help="source offsets in --state-dir (default), the service's database, or Kafka",
    )
    relay.add_argument(
        "--mode",
        default=None,
        choices=_MODES,
        help="default: as each database recorded it; given, it must agree with the record",
    )
    relay.add_argument(
        "--schema", default=None, help="where the outbox is, if a database records several"
    )
    relay.add_argument(
        "--table", default=None, help="default: as recorded; given, it must agree with it"
    )
    relay.add_argument(
        "--heartbeat-interval-ms",
        type=_non_negative_int,
        default=10_000,
        help="how often the heartbeat row is upserted so idle slots advance; 0: off "
        "(default: 10000)",
    )
    relay.add_argument(
        "--offset-flush-interval-ms",
        type=_non_negative_int,
        default=0,
        help="how often source offsets are written; 0: after every batch (default: 0)",
    )
    relay.add_argument(
        "--aggregate-type",
        action="append",
        default=[],
        metavar="TYPE",
        help="create topic outbox.event.TYPE up front (repeatable)",
    )
    relay.add_argument(
        "--partitions",
        type=_positive_int,
        default=3,
        help="partitions of the topics created up front (default: 3)",
    )
    relay.add_argument("--metrics-port", type=port, help="serve Prometheus /metrics on this port")
    relay.set_defaults(func=_relay)


def register(commands: argparse._SubParsersAction[Any]) -> None:
    _register_relay(commands)

    slot = commands.add_parser("slot", help="list or drop logical replication slots")
    actions = slot.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="slots with retained and unconsumed WAL")
    add_env_option(listing, DATABASE_URL)
    add_json_option(listing)
    listing.set_defaults(func=_slot_list)
    drop = actions.add_parser("drop", help="drop a slot (refuses if it holds unread WAL)")
    drop.add_argument("name", help="the slot's name, as `postroom slot list` shows it")
    add_env_option(drop, DATABASE_URL)
    drop.add_argument("--force", action="store_true", help="drop even with unconsumed WAL")
    add_json_option(drop)
    drop.set_defaults(func=_slot_drop)

    retain = commands.add_parser("retain", help="the retain outbox mode's daily partitions")
    retain_actions = retain.add_subparsers(dest="action", required=True, metavar="ACTION")
    maintain = retain_actions.add_parser(
        "maintain", help="create the coming days' partitions, drop days past retention"
    )
    add_env_option(maintain, DATABASE_URL)
    maintain.add_argument(
        "--retention-days",
        type=finite(positive=True),
        default=30.0,
        help="drop partitions older than this many days (default: 30)",
    )
    maintain.add_argument(
        "--days-ahead",
        type=_non_negative_int,
        default=7,
        help="create partitions for this many coming days (default: 7)",
    )
    maintain.add_argument(
        "--schema", default=None, help="schema of the outbox (default: search_path)"
    )
    add_json_option(maintain)
    maintain.set_defaults(func=_retain_maintain)
