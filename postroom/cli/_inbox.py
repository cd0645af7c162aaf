"""``postroom dlq list|show|replay``: inspect dead letters and put them back;
``postroom inbox purge``: inbox retention.

``list`` without a topic lists the dead-letter topics with their depth; with one, its
records. ``show`` prints one record whole. ``replay`` sends records back to their
original topics, where the inbox dedupes them by message id. All take ``--json``.
``inbox purge`` exits 3 when another instance holds the retention lock.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from typing import Any

__all__ = ["register"]

_COLUMNS = ("partition", "offset", "id", "event_type", "reason", "attempts", "original_topic")


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def _table(title: str, rows: list[dict[str, Any]], columns: tuple[str, ...]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if row.get(c) is None else str(row[c]) for c in columns))
    Console().print(table)


def _list(args: argparse.Namespace) -> int:
    from postroom.inbox._dlq import dead_letter_topics, read_dead_letters

    if args.topic is None:
        topics = dead_letter_topics(args.bootstrap_servers)
        if not topics:
            if args.json:
                _print_json([])
            else:
                _table("dead-letter topics", [], ("topic", "depth"))
            return 0
        depth = Counter(d.dlq_topic for d in read_dead_letters(args.bootstrap_servers, *topics))
        rows = [{"topic": t, "depth": depth[t]} for t in topics]
        if args.json:
            _print_json(rows)
        else:
            _table("dead-letter topics", rows, ("topic", "depth"))
        return 0
    letters = read_dead_letters(args.bootstrap_servers, args.topic)
    rows = [letter.summary() for letter in letters]
    if args.json:
        _print_json(rows)
    else:
        _table(f"{args.topic}: {len(rows)} dead letters", rows, _COLUMNS)
    return 0


def _not_found(exc: Exception) -> int:
    sys.stderr.write(f"{exc}\n")
    return 1


def _show(args: argparse.Namespace) -> int:
    from postroom.errors import DeadLetterNotFoundError
    from postroom.inbox._dlq import find_dead_letter, read_dead_letters

    try:
        letter = find_dead_letter(
            read_dead_letters(args.bootstrap_servers, args.topic),
            args.partition,
            args.offset,
            topic=args.topic,
        )
    except DeadLetterNotFoundError as exc:
        return _not_found(exc)
    data = letter.summary()
    data["headers"] = {k: v.decode(errors="replace") for k, v in letter.headers if v is not None}
    data["value"] = None if letter.value is None else letter.value.decode(errors="replace")
    if args.json:
        _print_json(data)
    else:
        rows = [{"field": k, "value": v} for k, v in data.items() if k != "headers"]
        rows += [{"field": f"header {k}", "value": v} for k, v in data["headers"].items()]
        _table(f"{args.topic}[{args.partition}]@{args.offset}", rows, ("field", "value"))
    return 0


def _replay(args: argparse.Namespace) -> int:
    from postroom.errors import DeadLetterNotFoundError
    from postroom.inbox._dlq import find_dead_letter, read_dead_letters, replay

    letters = read_dead_letters(args.bootstrap_servers, args.topic)
    if args.all:
        chosen = letters
        if args.reason:
            chosen = [d for d in letters if d.summary()["reason"] == args.reason]
    elif args.partition is not None and args.offset is not None:
        try:
            chosen = [find_dead_letter(letters, args.partition, args.offset, topic=args.topic)]
        except DeadLetterNotFoundError as exc:
            return _not_found(exc)
    else:
        sys.stderr.write("replay needs --partition and --offset, or --all\n")
        return 2
    sent = replay(args.bootstrap_servers, chosen)
    rows = [{**d.summary(), "replayed_to": d.origin.topic} for d in sent]
    if args.json:
        _print_json(rows)
    else:
        _table(f"replayed {len(rows)}", rows, (*_COLUMNS[:4], "replayed_to"))
    return 0


def _purge(args: argparse.Namespace) -> int:
    from datetime import timedelta

    import sqlalchemy as sa

    from postroom.inbox._retention import InboxRetention, retention_horizon

    horizon = (
        timedelta(days=args.horizon_days) if args.horizon_days is not None else retention_horizon()
    )
    engine = sa.create_engine(args.database_url)
    try:
        run = InboxRetention(
            engine, horizon=horizon, batch_size=args.batch_size, schema=args.schema
        ).purge()
    finally:
        engine.dispose()
    data = {"locked": run.locked, "deleted": run.deleted, "cutoff": run.cutoff.isoformat()}
    if args.json:
        _print_json(data)
    else:
        _table("inbox retention", [data], ("locked", "deleted", "cutoff"))
    return 0 if run.locked else 3


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {value}")
    return value


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def register(commands: argparse._SubParsersAction[Any]) -> None:
    dlq = commands.add_parser("dlq", help="inspect and replay dead letters")
    actions = dlq.add_subparsers(dest="dlq_command", required=True)

    def common(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--bootstrap-servers",
            default=os.environ.get("POSTROOM_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
            help="Kafka bootstrap servers (env POSTROOM_BOOTSTRAP_SERVERS)",
        )
        parser.add_argument("--json", action="store_true", help="print JSON instead of a table")

    listing = actions.add_parser("list", help="dead-letter topics, or the records of one")
    listing.add_argument("topic", nargs="?", help="a dead-letter topic, e.g. outbox.event.user.dlq")
    common(listing)
    listing.set_defaults(func=_list)

    show = actions.add_parser("show", help="one dead letter, whole")
    show.add_argument("topic")
    show.add_argument("partition", type=_non_negative)
    show.add_argument("offset", type=_non_negative)
    common(show)
    show.set_defaults(func=_show)

    again = actions.add_parser("replay", help="send dead letters back to their original topic")
    again.add_argument("topic")
    again.add_argument("--partition", type=_non_negative)
    again.add_argument("--offset", type=_non_negative)
    again.add_argument("--all", action="store_true", help="every record of the topic")
    again.add_argument("--reason", help="with --all: only records parked for this reason")
    common(again)
    again.set_defaults(func=_replay)

    inbox = commands.add_parser("inbox", help="inbox maintenance")
    inbox_actions = inbox.add_subparsers(dest="inbox_command", required=True)
    purge = inbox_actions.add_parser(
        "purge", help="delete inbox rows older than the retention horizon (one instance)"
    )
    purge.add_argument(
        "--database-url",
        default=os.environ.get("POSTROOM_DATABASE_URL"),
        required="POSTROOM_DATABASE_URL" not in os.environ,
        help="the consuming service's database (env POSTROOM_DATABASE_URL)",
    )
    purge.add_argument("--schema", help="schema of the inbox table (default: search_path)")
    purge.add_argument(
        "--horizon-days",
        type=_positive_float,
        help="keep rows this long (default: Kafka's 7-day retention + 1 day margin)",
    )
    purge.add_argument("--batch-size", type=int, default=5_000, help="rows per DELETE")
    purge.add_argument("--json", action="store_true", help="print JSON instead of a table")
    purge.set_defaults(func=_purge)
