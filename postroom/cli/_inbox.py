"""``postroom dlq list|show|replay``: inspect dead letters and put them back;
``postroom inbox purge``: inbox retention.

``list`` without a topic lists the dead-letter topics with their depth; with one, its
records. ``show`` prints one record whole. ``replay`` sends records back to their
original topics, where the inbox dedupes them by message id. All take ``--json``, and
all first check that a broker answers (``require_broker``), so a wrong address is one
line within seconds. ``inbox purge`` exits 3 when another instance holds the retention
lock.
"""

from __future__ import annotations

import argparse
from collections import Counter
from typing import Any

from postroom.cli._broker import broker_errors, require_broker
from postroom.cli._numbers import count, finite
from postroom.cli._options import (
    BOOTSTRAP_SERVERS,
    DATABASE_URL,
    add_env_option,
    add_json_option,
)
from postroom.cli._output import print_json as _print_json
from postroom.cli._output import table as _table
from postroom.errors import ConfigurationError

__all__ = ["register"]

_COLUMNS = ("partition", "offset", "id", "event_type", "reason", "attempts", "original_topic")


def _list(args: argparse.Namespace) -> int:
    require_broker(args.bootstrap_servers)
    with broker_errors(args.bootstrap_servers):
        return _list_on_kafka(args)


def _list_on_kafka(args: argparse.Namespace) -> int:
    from postroom.inbox import dead_letter_topics, read_dead_letters

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


def _show(args: argparse.Namespace) -> int:
    from postroom.inbox import find_dead_letter, read_dead_letters

    require_broker(args.bootstrap_servers)
    with broker_errors(args.bootstrap_servers):
        letters = read_dead_letters(args.bootstrap_servers, args.topic)
    letter = find_dead_letter(letters, args.partition, args.offset, topic=args.topic)
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
    from postroom.inbox import find_dead_letter, read_dead_letters, replay

    if not args.all and (args.partition is None or args.offset is None):
        raise ConfigurationError("replay needs --partition and --offset, or --all")
    require_broker(args.bootstrap_servers)
    with broker_errors(args.bootstrap_servers):
        letters = read_dead_letters(args.bootstrap_servers, args.topic)
    if args.all:
        chosen = letters
        if args.reason:
            chosen = [d for d in letters if d.summary()["reason"] == args.reason]
    else:
        chosen = [find_dead_letter(letters, args.partition, args.offset, topic=args.topic)]
    with broker_errors(args.bootstrap_servers):
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

    from postroom.database_errors import database_errors
    from postroom.database_url import sync_url
    from postroom.inbox import InboxRetention, retention_horizon

    horizon = (
        timedelta(days=args.horizon_days) if args.horizon_days is not None else retention_horizon()
    )
    url = sync_url(args.database_url)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with database_errors(url):
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


def register(commands: argparse._SubParsersAction[Any]) -> None:
    dlq = commands.add_parser("dlq", help="inspect and replay dead letters")
    actions = dlq.add_subparsers(dest="dlq_command", required=True, metavar="ACTION")

    def common(parser: argparse.ArgumentParser) -> None:
        add_env_option(parser, BOOTSTRAP_SERVERS)
        add_json_option(parser)

    listing = actions.add_parser("list", help="dead-letter topics, or the records of one")
    listing.add_argument("topic", nargs="?", help="a dead-letter topic, e.g. outbox.event.user.dlq")
    common(listing)
    listing.set_defaults(func=_list)

    show = actions.add_parser("show", help="one dead letter, whole")
    show.add_argument("topic", help="the dead-letter topic, e.g. outbox.event.user.dlq")
    show.add_argument("partition", type=count(0), help="the record's partition")
    show.add_argument("offset", type=count(0), help="the record's offset")
    common(show)
    show.set_defaults(func=_show)

    again = actions.add_parser("replay", help="send dead letters back to their original topic")
    again.add_argument("topic", help="the dead-letter topic, e.g. outbox.event.user.dlq")
    again.add_argument("--partition", type=count(0), help="with --offset: one record")
    again.add_argument("--offset", type=count(0), help="with --partition: one record")
    again.add_argument("--all", action="store_true", help="every record of the topic")
    again.add_argument("--reason", help="with --all: only records parked for this reason")
    common(again)
    again.set_defaults(func=_replay)

    inbox = commands.add_parser("inbox", help="inbox maintenance")
    inbox_actions = inbox.add_subparsers(dest="inbox_command", required=True, metavar="ACTION")
    purge = inbox_actions.add_parser(
        "purge", help="delete inbox rows older than the retention horizon (one instance)"
    )
    add_env_option(purge, DATABASE_URL)
    purge.add_argument("--schema", help="schema of the inbox table (default: search_path)")
    purge.add_argument(
        "--horizon-days",
        type=finite(positive=True),
        help="keep rows this long (default: Kafka's 7-day retention + 1 day margin)",
    )
    purge.add_argument(
        "--batch-size", type=count(1), default=5_000, help="rows per DELETE (default: 5000)"
    )
    add_json_option(purge)
    purge.set_defaults(func=_purge)
