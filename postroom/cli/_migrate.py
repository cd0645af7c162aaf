"""``postroom migrate upgrade|downgrade|current|history|check|capture``: our tables,
standalone, and the replication slot and publication that capture the outbox."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

__all__ = ["register"]

_URL_ENV = "POSTROOM_DATABASE_URL"


def _settings(args: argparse.Namespace) -> Any:
    from postroom.errors import MigrationSettingsError
    from postroom.migrations._settings import MigrationSettings

    headers: dict[str, str] = {}
    for item in args.header_column or []:
        column, sep, header = item.partition("=")
        if not sep:
            raise MigrationSettingsError(f"--header-column wants COLUMN=HEADER, got {item!r}")
        headers[column] = header
    return MigrationSettings(
        schema=args.schema,
        outbox_table=args.outbox_table,
        extra_header_columns=headers,
        lock_timeout_ms=args.lock_timeout_ms,
        mode=args.mode,
    )


def _url(args: argparse.Namespace, *, required: bool = True) -> str | None:
    from postroom.errors import MigrationSettingsError

    url: str | None = args.database_url or os.environ.get(_URL_ENV)
    if required and not url:
        raise MigrationSettingsError(f"give --database-url or set {_URL_ENV}")
    return url


def _upgrade(args: argparse.Namespace) -> None:
    from alembic import command
    from sqlalchemy.engine import make_url

    from postroom.migrations._api import alembic_config, mapped_errors, upgrade

    settings = _settings(args)
    if not args.sql:
        upgrade(_url(args) or "", settings=settings, revision=args.revision, capture=False)
        if not args.no_capture:
            _capture(args, only_if_recorded=True)
        return
    config = alembic_config(_url(args) or "", settings=settings)
    with mapped_errors(f"upgrade to {args.revision}"):
        command.upgrade(config, args.revision, sql=True)
    database = make_url(_url(args) or "").database or "postgres"
    slot = settings.record(database=database, current_schema="public").slot_name
    print(
        "-- Then, once the above committed, outside any transaction (what `postroom migrate "
        f"capture` does):\nSELECT pg_create_logical_replication_slot('{slot}', 'pgoutput');"
    )


def _capture(args: argparse.Namespace, *, only_if_recorded: bool = False) -> None:
    from postroom.migrations._capture import ensure_capture, has_record

    url, settings = _url(args) or "", _settings(args)
    if only_if_recorded and not has_record(url, settings):
        return
    report = ensure_capture(url, settings=settings)
    record = report.record
    made = {True: "created", False: "in place"}
    print(
        f"capture: outbox mode {record.mode!r}, slot {record.slot_name!r} "
        f"({made[report.created_slot]}), publication {record.publication_name!r} "
        f"({made[report.created_publication]}): every event committed from now on is "
        "relayed, whenever a relay first starts"
    )


def _downgrade(args: argparse.Namespace) -> None:
    from alembic import command

    from postroom.migrations._api import alembic_config, mapped_errors

    config = alembic_config(_url(args) or "", settings=_settings(args))
    with mapped_errors(f"downgrade to {args.revision}"):
        command.downgrade(config, args.revision, sql=args.sql)


def _current(args: argparse.Namespace) -> None:
    from postroom.migrations._api import current

    revision = current(_url(args) or "", settings=_settings(args))
    print(json.dumps({"current": revision}) if args.json else (revision or "(none)"))


def _history(args: argparse.Namespace) -> None:
    from alembic.script import ScriptDirectory
    from rich.console import Console
    from rich.table import Table

    from postroom.migrations._api import _HERE, current

    url = _url(args, required=False)
    at = current(url, settings=_settings(args)) if url else None
    script = ScriptDirectory(str(_HERE))
    rows = [
        {
            "revision": rev.revision,
            "down_revision": rev.down_revision,
            "current": rev.revision == at,
            "doc": rev.doc,
        }
        for rev in reversed(list(script.walk_revisions()))
    ]
    if args.json:
        print(json.dumps(rows))
        return
    table = Table("revision", "revises", "current", "what")
    for row in rows:
        table.add_row(
            str(row["revision"]),
            str(row["down_revision"] or "-"),
            "*" if row["current"] else "",
            str(row["doc"]),
        )
    Console().print(table)


def _check(args: argparse.Namespace) -> None:
    from postroom.migrations._drift import check_drift

    check_drift(_url(args) or "", settings=_settings(args))
    print("no drift: the database matches the models")


def _run(args: argparse.Namespace) -> int:
    from postroom.errors import PostroomError

    try:
        args.action(args)
    except PostroomError as exc:
        print(f"postroom migrate {args.migrate_command}: {exc}", file=sys.stderr)
        return 2
    return 0


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url", help=f"SQLAlchemy URL of the service's database (or ${_URL_ENV})"
    )
    parser.add_argument(
        "--schema", default=None, help="the service's schema (default: search_path)"
    )
    parser.add_argument("--outbox-table", default="outbox", help="the outbox table's name")
    parser.add_argument(
        "--header-column",
        action="append",
        metavar="COLUMN=HEADER",
        help="an extra outbox column placed as a Kafka header (repeatable)",
    )
    parser.add_argument("--lock-timeout-ms", type=int, default=None, help="SET lock_timeout")
    parser.add_argument(
        "--mode",
        default=None,
        choices=["table", "retain", "wal-message"],
        help="the outbox mode to record when first migrated (default: table)",
    )


def register(commands: argparse._SubParsersAction[Any]) -> None:
    migrate = commands.add_parser("migrate", help="create/upgrade Postroom's tables (Alembic)")
    actions = migrate.add_subparsers(dest="migrate_command", required=True)
    upgrade = actions.add_parser("upgrade", help="upgrade to a revision (default: head)")
    upgrade.add_argument("revision", nargs="?", default="head")
    upgrade.add_argument("--sql", action="store_true", help="print the SQL, run nothing")
    upgrade.add_argument(
        "--no-capture",
        action="store_true",
        help="leave out the replication slot (databases no relay reads; publish() refuses)",
    )
    upgrade.set_defaults(action=_upgrade)
    downgrade = actions.add_parser("downgrade", help="downgrade to a revision ('base': drop all)")
    downgrade.add_argument("revision")
    downgrade.add_argument("--sql", action="store_true", help="print the SQL, run nothing")
    downgrade.set_defaults(action=_downgrade)
    for name, helptext, action in (
        ("current", "the revision the database is at", _current),
        ("history", "every revision, oldest first", _history),
    ):
        sub = actions.add_parser(name, help=helptext)
        sub.add_argument("--json", action="store_true", help="machine-readable output")
        sub.set_defaults(action=action)
    check = actions.add_parser("check", help="fail if the database and the models differ")
    check.set_defaults(action=_check)
    capture = actions.add_parser(
        "capture", help="create the recorded replication slot and publication if missing"
    )
    capture.set_defaults(action=_capture)
    for sub in (upgrade, downgrade, *actions.choices.values()):
        if not any(a.dest == "database_url" for a in sub._actions):
            _common(sub)
    migrate.set_defaults(func=_run)
