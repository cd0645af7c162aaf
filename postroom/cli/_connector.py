"""``postroom connector ...``: render, validate and manage the Kafka Connect connector.

``render`` prints the Kafka Connect JSON for one service outbox (validated by Debezium's
own validators, in a local JVM, unless ``--no-validate``). The other actions talk to a
Kafka Connect cluster given by ``--connect-url`` (or ``POSTROOM_CONNECT_URL``):

- ``register`` and ``update`` first let the cluster validate the rendered connector
  (``PUT /connector-plugins/{class}/config/validate``): any refused option stops the
  command with one message naming every bad key, exit 2, and nothing is registered.
  Then, for a new connector, the publication and replication slot are made ready in
  the database (as the embedded relay does: missing tables and privileges are named),
  then the connector is put, and the command waits until it and its task are RUNNING
  (``--no-wait`` skips that).
  ``update`` refuses a connector that does not exist; ``register`` creates or updates.
- ``status`` (exit 1 unless everything is RUNNING), ``restart``, ``pause``, ``resume``,
  ``delete``.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from postroom.cli._numbers import count, finite
from postroom.cli._options import CONNECT_URL, DATABASE_URL, add_env_option
from postroom.connectors import ConnectorConfig
from postroom.database_url import sync_url
from postroom.errors import ConnectorConfigError

__all__ = ["register"]


def _config(args: argparse.Namespace) -> ConnectorConfig:
    # Mode and schema: as the database recorded them unless given (then they must agree).
    given = {"mode": args.mode, "schema": args.schema}
    return ConnectorConfig.from_url(
        args.name,
        args.database_url,
        heartbeat_interval_ms=args.heartbeat_interval_ms,
        **{key: value for key, value in given.items() if value is not None},
    )


def _overrides(args: argparse.Namespace) -> dict[str, str]:
    overrides: dict[str, str] = {}
    for item in args.set or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConnectorConfigError(f"--set takes KEY=VALUE, got {item!r}")
        overrides[key.strip()] = value
    return overrides


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


def _put(args: argparse.Namespace, *, must_exist: bool) -> int:
    from postroom.connectors.relay import ensure_replication, recorded_config

    url = sync_url(args.database_url)
    overrides = _overrides(args)
    with _client(args) as client:
        exists = client.exists(args.name)
        if must_exist and not exists:
            raise ConnectorConfigError(
                f"connector {args.name!r} is not registered on {args.connect_url}: "
                "use `postroom connector register`"
            )
        if args.validate:  # Connect's own validation first: it names every bad key
            client.validate(_config(args), overrides=overrides)
        # Then the recorded settings (slot, publication, mode, table); a new connector's
        # database is checked as the relay checks it (a running one's task holds the slot).
        config = (recorded_config if exists else ensure_replication)(_config(args), url)
        answer = client.register(config, overrides=overrides)
        if args.wait:
            answer["status"] = client.wait_running(config.name, timeout=args.timeout)
    _print(answer)
    return 0


def _register(args: argparse.Namespace) -> int:
    return _put(args, must_exist=False)


def _update(args: argparse.Namespace) -> int:
    return _put(args, must_exist=True)


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


def _pause(args: argparse.Namespace) -> int:
    with _client(args) as client:
        client.pause(args.name)
    _print({"paused": args.name})
    return 0


def _resume(args: argparse.Namespace) -> int:
    with _client(args) as client:
        client.resume(args.name)
    _print({"resumed": args.name})
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
        default=None,
        choices=["table", "retain", "wal-message"],
        help="default: as the database recorded it; given, it must agree with the record",
    )
    parser.add_argument(
        "--schema", default=None, help="where the outbox is, if a database records several"
    )
    parser.add_argument(
        "--heartbeat-interval-ms",
        type=count(0),
        default=10_000,
        help="how often the heartbeat row is upserted; 0: off (default: 10000)",
    )
    parser.add_argument(
        "--no-validate", dest="validate", action="store_false", help="skip validate()"
    )


def _put_options(parser: argparse.ArgumentParser) -> None:
    _connector_options(parser)
    parser.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="a connector option on top of the rendered ones (repeatable)",
    )
    parser.add_argument(
        "--no-wait", dest="wait", action="store_false", help="return once Connect accepted it"
    )
    parser.add_argument(
        "--timeout",
        type=finite(positive=True),
        default=60.0,
        help="seconds to wait for RUNNING (default 60)",
    )


def register(commands: argparse._SubParsersAction[Any]) -> None:
    connector = commands.add_parser("connector", help="Kafka Connect: render, register, status")
    actions = connector.add_subparsers(dest="action", required=True)

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
        ("register", _register, "validate, then create or update the connector; wait RUNNING"),
        ("update", _update, "validate, then replace an existing connector's config"),
        ("status", _status, "connector and task states; exit 1 unless all RUNNING"),
        ("restart", _restart, "restart the connector and its tasks"),
        ("pause", _pause, "pause the connector and its tasks"),
        ("resume", _resume, "resume a paused connector"),
        ("delete", _delete, "delete the connector (its offsets stay in Connect)"),
    ):
        sub = actions.add_parser(action, help=about)
        sub.add_argument("name", help="connector name (the service)")
        add_env_option(sub, CONNECT_URL)
        if action in ("register", "update"):
            _put_options(sub)
        if action == "restart":
            sub.add_argument(
                "--only-failed", action="store_true", help="only the failed connector or tasks"
            )
        sub.set_defaults(func=handler)
