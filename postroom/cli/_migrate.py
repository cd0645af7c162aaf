"""``postroom migrate upgrade|downgrade|current|history|check|capture``: our tables,
standalone, and the replication slot and publication that capture the outbox.

Every action takes the database as ``--database-url`` or ``POSTROOM_DATABASE_URL``, in
any accepted form (an async URL runs the migrations on an async engine), prints one line
(or ``--json``) on success, and reports failures through the one ``error:`` boundary.
"""

from __future__ import annotations

import argparse
from typing import Any

from postroom.cli._numbers import count
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
        mode=args.mode,
    )


def _url(args: argparse.Namespace) -> str:
    url: str = args.database_url
    return url


def _capture_line(capture: dict[str, Any]) -> str:
    made = {True: "created", False: "in place"}
    return (
        f"capture: outbox mode {capture['mode']!r}, slot {capture['slot']!r} "
        f"({made[capture['slot_created']]}), publication {capture['publication']!r} "
        f"({made[capture['publication_created']]}): every event committed from now on is "
        "relayed, whenever a relay first starts"
    )


def _moved(args: argparse.Namespace, verb: str, capture: dict[str, Any] | None = None) -> None:
    """The one line (or JSON document) a successful upgrade or downgrade prints."""
    from postroom.migrations import current

    if args.sql:
        return
    at = current(_url(args), settings=_settings(args))
    schema = args.schema or "the search_path schema"
    if args.json:
        print_json({"action": verb, "revision": at, "schema": args.schema, "capture": capture})
        return
    line = f"{verb} Postroom's tables in {schema} to revision {at or '(none)'}"
    say(line if capture is None else f"{line}; {_capture_line(capture)}")


def _upgrade(args: argparse.Namespace) -> int:
    from alembic import command
    from sqlalchemy.engine import make_url

    from postroom.migrations import alembic_config, mapped_errors, upgrade

    settings = _settings(args)
    if not args.sql:
        upgrade(_url(args), settings=settings, revision=args.revision, capture=False)
        capture = None if args.no_capture else _ensure_capture(args, only_if_recorded=True)
        _moved(args, "upgraded", capture)
        return 0
    config = alembic_config(_url(args), settings=settings)
    with mapped_errors(f"upgrade to {args.revision}"):
        command.upgrade(config, args.revision, sql=True)
    database = make_url(_url(args)).database or "postgres"
    record = settings.record(database=database, current_schema="public")
    print(
        "-- Then, once the above committed, outside any transaction (what `postroom migrate "
        f'capture` does):\nALTER PUBLICATION "{record.publication_name}" SET '
        f"(publish = 'insert');\nSELECT pg_create_logical_replication_slot("
        f"'{record.slot_name}', 'pgoutput');"
    )
    return 0


def _ensure_capture(
    args: argparse.Namespace, *, only_if_recorded: bool = False
) -> dict[str, Any] | None:
    """Create the recorded slot and publication if missing; what is in place now."""
    from postroom.migrations import ensure_capture, has_record

    url, settings = _url(args), _settings(args)
    if only_if_recorded and not has_record(url, settings):
        return None
    report = ensure_capture(url, settings=settings)
    return {
        "mode": report.record.mode,
        "slot": report.record.slot_name,
        "slot_created": report.created_slot,
        "publication": report.record.publication_name,
        "publication_created": report.created_publication,
    }


def _capture(args: argparse.Namespace) -> int:
    capture = _ensure_capture(args)
    assert capture is not None
    if args.json:
        print_json(capture)
        return 0
    say(_capture_line(capture))
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
        type=count(0),
        default=None,
        help="SET lock_timeout: a DDL gives up (retriable) instead of queueing traffic",
    )
    parser.add_argument(
        "--mode",
        default=None,
        choices=["table", "retain", "wal-message"],
        help="the outbox mode to record when first migrated (default: table)",
    )
    add_json_option(parser)


def register(commands: argparse._SubParsersAction[Any]) -> None:
    migrate = commands.add_parser("migrate", help="create/upgrade Postroom's tables (Alembic)")
    actions = migrate.add_subparsers(dest="migrate_command", required=True, metavar="ACTION")
    upgrade = actions.add_parser("upgrade", help="upgrade to a revision (default: head)")
    upgrade.add_argument("revision", nargs="?", default="head", help="default: head")
    upgrade.add_argument("--sql", action="store_true", help="print the SQL, run nothing")
    upgrade.add_argument(
        "--no-capture",
        action="store_true",
        help="leave out the replication slot (databases no relay reads; publish() refuses)",
    )
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
    capture = actions.add_parser(
        "capture", help="create the recorded replication slot and publication if missing"
    )
    capture.set_defaults(func=_capture)
    for name, sub in actions.choices.items():
        _common(sub, url_required=name != "history")
