"""``postroom replay group``: move a consumer group back, so its topics are read again
(``postroom replay outbox``, re-publishing retained rows, is in ``_republish``).

    postroom replay group --group activity --to-earliest
    postroom replay group --group activity --to-datetime 2026-11-23T10:00:00Z
    postroom replay group --group activity --to-offset outbox.event.user:0=42 [...]

The group must have no live members (its workers stopped): Kafka refuses to move a
group's offsets under a running consumer, and so does this command, before touching
anything. Without ``--topic``, every topic the group has committed offsets for moves.
Replayed records go through the inbox like live ones: whatever a consumer already
handled is skipped by its dedupe, so side effects never repeat; to rebuild a read model,
empty it and its inbox rows first (``services.activity.forget_view``). ``--dry-run``
prints the plan only; ``--json`` prints it as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import Any

from postroom.cli._options import (
    BOOTSTRAP_SERVERS,
    DATABASE_URL,
    add_env_option,
    add_json_option,
)
from postroom.kafka_security import kafka_security

__all__ = ["register", "reset_group"]


def _offset_spec(text: str) -> tuple[str, int, int]:
    topic_partition, _, offset = text.rpartition("=")
    topic, _, partition = topic_partition.rpartition(":")
    try:
        spec = (topic, int(partition), int(offset))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected TOPIC:PARTITION=OFFSET, got {text!r}") from None
    if not topic or spec[1] < 0 or spec[2] < 0:
        raise argparse.ArgumentTypeError(f"expected TOPIC:PARTITION=OFFSET, got {text!r}")
    return spec


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"give a time zone (e.g. Z or +00:00): {text!r}")
    return moment


_LIVE = "consumer group {group!r} has {members} live member(s): stop its workers, then replay"
#: What the broker answers when offsets are moved under a live group.
_MEMBERS_ERRORS = {"UnknownMemberIdError", "IllegalGenerationError", "RebalanceInProgressError"}


def _live_members(admin: Any, group: str) -> int | None:
    """How many members ``group`` has; None if the broker's answer can't be read (some
    Kafka-protocol brokers send ACL fields kafka-python can't decode); the broker then
    refuses the reset itself, which ``reset_group`` reports the same way."""
    try:
        described = admin.describe_groups([group]).get(group, {})
    except ValueError:
        return None
    return len(described.get("members") or [])


def reset_group(
    bootstrap_servers: str,
    group: str,
    *,
    topics: list[str] | None = None,
    to_datetime: datetime | None = None,
    to_offsets: list[tuple[str, int, int]] | None = None,
    dry_run: bool = False,
) -> list[dict[str, Any]]:
    """Move ``group`` to the earliest offsets (default), to ``to_datetime``, or to
    ``to_offsets``; return one row per partition (``from``, ``to``). Raises
    ``InboxError`` if the group has live members or there is nothing to move."""
    from kafka import KafkaAdminClient, TopicPartition
    from kafka.admin import OffsetSpec, OffsetTimestamp

    from postroom.inbox import InboxError

    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap_servers,
        **kafka_security(None).kafka_python(),
        client_id="postroom-replay",
    )
    try:
        members = _live_members(admin, group)
        if members:
            raise InboxError(_LIVE.format(group=group, members=members))
        committed = admin.list_group_offsets({group: None}).get(group, {})
        specs: dict[Any, Any] = {}
        if to_offsets:
            specs = {TopicPartition(t, p): o for t, p, o in to_offsets}
        else:
            wanted = set(topics or {tp.topic for tp in committed})
            if not wanted:
                raise InboxError(f"consumer group {group!r} has no committed offsets: name --topic")
            partitions = [
                TopicPartition(described_topic["name"], partition["partition_index"])
                for described_topic in admin.describe_topics(sorted(wanted))
                for partition in described_topic["partitions"]
            ]
            target: Any = (
                OffsetTimestamp(int(to_datetime.timestamp() * 1000))
                if to_datetime is not None
                else OffsetSpec.EARLIEST
            )
            specs = dict.fromkeys(partitions, target)
        rows = [
            {
                "topic": tp.topic,
                "partition": tp.partition,
                "from": committed[tp].offset if tp in committed else None,
                "to": spec if isinstance(spec, int) else str(spec),
            }
            for tp, spec in sorted(specs.items())
        ]
        if dry_run:
            return rows
        result = admin.reset_group_offsets(group, specs)
        for row in rows:
            outcome = result[TopicPartition(row["topic"], row["partition"])]
            if outcome["error"].__name__ in _MEMBERS_ERRORS:
                raise InboxError(_LIVE.format(group=group, members="some"))
            if outcome["error"].errno:
                raise InboxError(
                    f"could not move {row['topic']}:{row['partition']}: {outcome['error'].__name__}"
                )
            row["to"] = outcome["offset"]
        return rows
    finally:
        admin.close()


def _replay(args: argparse.Namespace) -> int:
    rows = reset_group(
        args.bootstrap_servers,
        args.group,
        topics=args.topic,
        to_datetime=args.to_datetime,
        to_offsets=args.to_offset,
        dry_run=args.dry_run,
    )
    if args.json:
        sys.stdout.write(json.dumps(rows, indent=2, default=str) + "\n")
        return 0
    from rich.console import Console
    from rich.table import Table

    verb = "would move" if args.dry_run else "moved"
    table = Table("topic", "partition", "from", "to", title=f"{args.group}: {verb}")
    for row in rows:
        table.add_row(row["topic"], str(row["partition"]), str(row["from"]), str(row["to"]))
    Console().print(table)
    return 0


def _outbox(args: argparse.Namespace) -> int:
    from postroom.cli._republish import republish, retained_events

    events = retained_events(
        args.database_url,
        since=args.since,
        until=args.until,
        aggregate_types=args.aggregate_type,
        schema=args.schema,
    )
    rows = republish(args.bootstrap_servers, events, dry_run=args.dry_run)
    if args.json:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return 0
    from rich.console import Console
    from rich.table import Table

    verb = "would re-publish" if args.dry_run else "re-published"
    table = Table("topic", "id", "type", "timestamp", title=f"{verb} {len(rows)} events")
    for row in rows:
        table.add_row(row["topic"], row["id"], row["type"], row["timestamp"])
    Console().print(table)
    return 0


def register(commands: argparse._SubParsersAction[Any]) -> None:
    replay = commands.add_parser(
        "replay", help="read events again: move a consumer group back, re-publish retained rows"
    )
    kinds = replay.add_subparsers(dest="replay_command", required=True)
    group = kinds.add_parser(
        "group", help="move a stopped consumer group (earliest, time, offsets)"
    )
    group.add_argument("--group", required=True, help="the consumer group (= inbox consumer)")
    group.add_argument("--topic", action="append", help="only this topic (repeatable)")
    where = group.add_mutually_exclusive_group()
    where.add_argument("--to-earliest", action="store_true", help="the default")
    where.add_argument("--to-datetime", type=_moment, help="first offset at/after this time")
    where.add_argument(
        "--to-offset",
        type=_offset_spec,
        action="append",
        metavar="TOPIC:PARTITION=OFFSET",
        help="this offset of this partition (repeatable)",
    )
    group.set_defaults(func=_replay)
    outbox = kinds.add_parser("outbox", help="re-publish retained outbox rows of a time range")
    add_env_option(outbox, DATABASE_URL)
    outbox.add_argument("--schema", help="the outbox's schema (default: search_path)")
    outbox.add_argument("--since", type=_moment, required=True, help="from (inclusive)")
    outbox.add_argument("--until", type=_moment, required=True, help="to (exclusive)")
    outbox.add_argument("--aggregate-type", action="append", help="only these (repeatable)")
    outbox.set_defaults(func=_outbox)
    for parser in (group, outbox):
        add_env_option(parser, BOOTSTRAP_SERVERS)
        parser.add_argument("--dry-run", action="store_true", help="print the plan, do nothing")
        add_json_option(parser)
