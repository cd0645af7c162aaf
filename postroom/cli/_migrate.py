"""``postroom migrate upgrade|downgrade|current|history|check``: our tables, standalone.

Every action takes the database as ``--database-url`` or ``POSTROOM_DATABASE_URL``, in
any accepted form (an async URL runs the migrations on an async engine), prints one line
(or ``--json``) on success, and reports failures through the one ``error:`` boundary.
"""

from __future__ import annotations

import argparse
from typing import Any

from postroom.cli._options import DATABASE_URL, add_env_option, add_json_option
from postroom.cli._output import print_json, say

__all__ = ["register"]

#: ``history`` without a database lists the revisions of a config that never connects.
_ANY_URL = "postgresql://localhost/postgres"


def _settings(args: argparse.Namespace) -> Any:
    from postroom.errors import MigrationSettingsError
    from postroom.migrations import MigrationSettings

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
    )


def _url(args: argparse.Namespace) -> str:
    url: str = args.database_url
    return url


def _moved(args: argparse.Namespace, verb: str) -> None:
    """The one line a successful upgrade or downgrade prints."""
    from postroom.migrations import current

    if args.sql:
        return
    at = current(_url(args), settings=_settings(args))
    schema = args.schema or "the search_path schema"
    if args.json:
        print_json({"action": verb, "revision": at, "schema": args.schema})
    else:
        say(f"{verb} Postroom's tables in {schema} to revision {at or '(none)'}")


def _upgrade(args: argparse.Namespace) -> int:
    from alembic import command

    from postroom.migrations import alembic_config, mapped_errors

    config = alembic_config(_url(args), settings=_settings(args))
    with mapped_errors(f"upgrade to {args.revision}"):
        command.upgrade(config, args.revision, sql=args.sql)
    _moved(args, "upgraded")
    return 0


def _downgrade(args: argparse.Namespace) -> int:
    from alembic import command

    from postroom.migrations import alembic_config, mapped_errors

    config = alembic_config(_url(args), settings=_settings(args))
    with mapped_errors(f"downgrade to {args.revision}"):
        command.downgrade(config, args.revision, sql=args.sql)
    _moved(args, "downgraded")
    return 0


def _current(args: argparse.Namespace) -> int:
    from postroom.migrations import current

    revision = current(_url(args), settings=_settings(args))
    if args.json:
        print_json({"current": revision})
    else:
        say(revision or "(none)")
    return 0


def _history(args: argparse.Namespace) -> int:
    from alembic.script import ScriptDirectory
    from rich.console import Console
    from rich.table import Table

    from postroom.migrations import alembic_config, current

    url: str | None = args.database_url
    at = current(url, settings=_settings(args)) if url else None
    script = ScriptDirectory.from_config(alembic_config(url or _ANY_URL))
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
        print_json(rows)
        return 0
    table = Table("revision", "revises", "current", "what")
    for row in rows:
        table.add_row(
            str(row["revision"]),
            str(row["down_revision"] or "-"),
            "*" if row["current"] else "",
            str(row["doc"]),
        )
    Console().print(table)
    return 0


def _check(args: argparse.Namespace) -> int:
    from postroom.migrations import check_drift

    check_drift(_url(args), settings=_settings(args))
    if args.json:
        print_json({"drift": []})
    else:
        say("no drift: the database matches the models")
    return 0


def _common(parser: argparse.ArgumentParser, *, url_required: bool = True) -> None:
    add_env_option(parser, DATABASE_URL, required=url_required)
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
    parser.add_argument(
        "--lock-timeout-ms",
        type=int,
        default=None,
        help="SET lock_timeout: a DDL gives up (retriable) instead of queueing traffic",
    )
    add_json_option(parser)


def register(commands: argparse._SubParsersAction[Any]) -> None:
    migrate = commands.add_parser("migrate", help="create/upgrade Postroom's tables (Alembic)")
    actions = migrate.add_subparsers(dest="migrate_command", required=True, metavar="ACTION")
    upgrade = actions.add_parser("upgrade", help="upgrade to a revision (default: head)")
    upgrade.add_argument("revision", nargs="?", default="head", help="default: head")
    upgrade.add_argument("--sql", action="store_true", help="print the SQL, run nothing")
    upgrade.set_defaults(func=_upgrade)
    downgrade = actions.add_parser("downgrade", help="downgrade to a revision ('base': drop all)")
    downgrade.add_argument("revision", help="a revision id, or 'base' to drop every table")
    downgrade.add_argument("--sql", action="store_true", help="print the SQL, run nothing")
    downgrade.set_defaults(func=_downgrade)
    current = actions.add_parser("current", help="the revision the database is at")
    current.set_defaults(func=_current)
    history = actions.add_parser("history", help="every revision, oldest first")
    history.set_defaults(func=_history)
    check = actions.add_parser("check", help="fail if the database and the models differ")
    check.set_defaults(func=_check)
    for name, sub in actions.choices.items():
        _common(sub, url_required=name != "history")
