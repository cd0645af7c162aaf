"""``postroom saga list|show``: the sagas a coordinating service's database holds.

``list`` prints the newest sagas (kind, status, current step, who it still waits for);
``show`` one saga whole: each step's participants (requests, replies) and the timeline
of requests and replies with milliseconds since the saga began. Both read only.
"""

from __future__ import annotations

import argparse
from typing import Any

from postroom.cli._options import DATABASE_URL, add_env_option, add_json_option
from postroom.cli._output import print_json, table

__all__ = ["register"]

_LIST_COLUMNS = ("id", "kind", "status", "step", "waiting_for", "started_at", "finished_at")


def _connect(args: argparse.Namespace) -> Any:
    import sqlalchemy as sa

    from postroom.database_url import sync_url

    url = sync_url(args.database_url)
    return url, sa.create_engine(url, poolclass=sa.pool.NullPool)


def _missing_table(exc: Exception, args: argparse.Namespace) -> Exception:
    from postroom.errors import MissingTableError

    return MissingTableError(
        f"table {args.table!r} does not exist in this database: is it a saga "
        "coordinator's (its migrations create it)?"
    )


def _read(args: argparse.Namespace, read: Any) -> Any:
    import sqlalchemy as sa

    from postroom.database_errors import database_errors

    url, engine = _connect(args)
    try:
        with database_errors(url), engine.connect() as connection:
            try:
                return read(connection)
            except sa.exc.ProgrammingError as exc:
                if "does not exist" in str(exc):
                    raise _missing_table(exc, args) from None
                raise
    finally:
        engine.dispose()


def _list(args: argparse.Namespace) -> int:
    from postroom.saga import list_sagas

    rows = _read(
        args,
        lambda c: list_sagas(
            c,
            kind=args.kind,
            status=args.status,
            limit=args.limit,
            table=args.table,
            schema=args.schema,
        ),
    )
    if args.json:
        print_json(rows)
        return 0
    shown = [{**r, "waiting_for": ", ".join(r["waiting_for"])} for r in rows]
    table(f"{len(rows)} sagas", shown, _LIST_COLUMNS)
    return 0


def _show(args: argparse.Namespace) -> int:
    from postroom.saga import show_saga

    saga = _read(args, lambda c: show_saga(c, args.saga_id, table=args.table, schema=args.schema))
    if args.json:
        print_json(saga)
        return 0
    facts = [
        {"field": key, "value": saga[key]}
        for key in (
            "id",
            "kind",
            "status",
            "step",
            "subject",
            "started_at",
            "finished_at",
            "next_due_at",
            "ignored_replies",
        )
    ]
    table(f"saga {saga['id']}", facts, ("field", "value"))
    rows = [
        {
            "step": step["name"],
            "participant": name,
            **p,
            "reply": "" if p["reply"] is None else str(p["reply"]),
        }
        for step in saga["steps"]
        for name, p in step["participants"].items()
    ]
    table(
        "participants", rows, ("step", "participant", "status", "requests", "replied_at", "reply")
    )
    table("timeline", saga["timeline"], ("ms", "step", "participant", "what", "requests"))
    return 0


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def register(commands: argparse._SubParsersAction[Any]) -> None:
    saga = commands.add_parser("saga", help="inspect the sagas a coordinating service runs")
    actions = saga.add_subparsers(dest="saga_command", required=True, metavar="ACTION")

    def common(parser: argparse.ArgumentParser) -> None:
        add_env_option(parser, DATABASE_URL)
        parser.add_argument("--table", default="postroom_saga", help="the saga table")
        parser.add_argument("--schema", help="its schema (default: search_path)")
        add_json_option(parser)

    listing = actions.add_parser("list", help="the newest sagas, one line each")
    listing.add_argument("--kind", help="only sagas of this kind, e.g. erasure")
    listing.add_argument("--status", help="only running, overdue, completed or failed ones")
    listing.add_argument("--limit", type=_positive_int, default=50, help="at most (default 50)")
    common(listing)
    listing.set_defaults(func=_list)

    show = actions.add_parser("show", help="one saga: participants and timeline")
    show.add_argument("saga_id", help="the saga's id")
    common(show)
    show.set_defaults(func=_show)
