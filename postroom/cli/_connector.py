"""``postroom connector ...``: render, validate and manage the Kafka Connect connector.

``render`` prints the Kafka Connect JSON for one service outbox (validated by Debezium's
own validators unless ``--no-validate``; with ``--check-connection`` it also runs the
relay's pre-flight checks on the database: ``wal_level``, tables, privileges);
``register``, ``status``, ``restart`` and ``delete`` talk to a Kafka Connect cluster
given by ``--connect-url`` (or ``POSTROOM_CONNECT_URL``).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from postroom.cli._options import CONNECT_URL, DATABASE_URL, add_env_option
from postroom.connectors import ConnectorConfig

__all__ = ["register"]


def _config(args: argparse.Namespace) -> ConnectorConfig:
    return ConnectorConfig.from_url(
        args.name,
        args.database_url,
        mode=args.mode,
        schema=args.schema,
        heartbeat_interval_ms=args.heartbeat_interval_ms,
    )


def _print(document: object) -> None:
    sys.stdout.write(json.dumps(document, indent=2, sort_keys=True) + "\n")


def _render(args: argparse.Namespace) -> int:
    from postroom.connectors import validate_connector

    config = _config(args)
    if args.check_connection:
        from postroom.connectors.relay import check_replication

        check_replication(config, args.database_url)
    if args.validate:
        validate_connector(config, connect=args.check_connection)
    _print(config.connect_json())
    return 0


def _client(args: argparse.Namespace) -> Any:
    from postroom.connectors import KafkaConnectClient

    return KafkaConnectClient(args.connect_url)


def _register(args: argparse.Namespace) -> int:
    from postroom.connectors import validate_connector

    config = _config(args)
    if args.validate:
        validate_connector(config, connect=False)
    with _client(args) as client:
        _print(client.register(config))
    return 0


def _status(args: argparse.Namespace) -> int:
    with _client(args) as client:
        status = client.status(args.name)
    _print(status)
    states = [status.get("connector", {}).get("state")]
    states += [task.get("state") for task in status.get("tasks", [])]
    return 0 if all(state == "RUNNING" for state in states) else 1


def _restart(args: argparse.Namespace) -> int:
    with _client(args) as client:
        result = client.restart(args.name, only_failed=args.only_failed)
    _print(result or {"restarted": args.name})
    return 0


def _delete(args: argparse.Namespace) -> int:
    with _client(args) as client:
        client.delete(args.name)
    _print({"deleted": args.name})
    return 0


def _connector_options(parser: argparse.ArgumentParser) -> None:
    add_env_option(parser, DATABASE_URL)
    parser.add_argument(
        "--mode",
        default="table",
        choices=["table", "retain", "wal-message"],
        help="the outbox mode, as migrated and written (default: table)",
    )
    parser.add_argument(
        "--schema", default="public", help="schema of the outbox tables (default: public)"
    )
    parser.add_argument(
        "--heartbeat-interval-ms",
        type=int,
        default=10_000,
        help="how often the heartbeat row is upserted; 0: off (default: 10000)",
    )
    parser.add_argument(
        "--no-validate", dest="validate", action="store_false", help="skip Debezium's validate()"
    )


def register(commands: argparse._SubParsersAction[Any]) -> None:
    connector = commands.add_parser("connector", help="Kafka Connect: render, register, status")
    actions = connector.add_subparsers(dest="action", required=True, metavar="ACTION")

    render = actions.add_parser("render", help="print the Kafka Connect JSON for an outbox")
    render.add_argument("name", help="connector name (the service)")
    _connector_options(render)
    render.add_argument(
        "--check-connection",
        action="store_true",
        help="also let the connector connect to the database, as a Connect worker would",
    )
    render.set_defaults(func=_render)

    for action, handler, about in (
        ("register", _register, "create or update the connector (PUT .../config)"),
        ("status", _status, "connector and task states; exit 1 unless all RUNNING"),
        ("restart", _restart, "restart the connector and its tasks"),
        ("delete", _delete, "delete the connector"),
    ):
        sub = actions.add_parser(action, help=about)
        sub.add_argument("name", help="connector name (the service)")
        add_env_option(sub, CONNECT_URL)
        if action == "register":
            _connector_options(sub)
        if action == "restart":
            sub.add_argument(
                "--only-failed", action="store_true", help="only the failed connector or tasks"
            )
        sub.set_defaults(func=handler)
