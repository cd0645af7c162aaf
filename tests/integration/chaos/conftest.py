"""What the Kafka-side crash tests share: a writer database, the inbox that absorbs
duplicates, and the report line each test prints."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import sqlalchemy as sa
from sqlalchemy.orm import Session

from postroom.inbox import (
    HandlerRegistry,
    InboxMessage,
    InboxProcessor,
    Outcome,
    decode_record,
)
from tests.integration.relay.chaos_tools import Report
from tests.integration.relay.conftest import read_topic

#: 10,000 events by default (the issue's number); smaller for a quick local run.
EVENTS = int(os.environ.get("POSTROOM_KAFKA_CHAOS_EVENTS", "10000"))
RATE = float(os.environ.get("POSTROOM_KAFKA_CHAOS_RATE", "800"))

MakeDatabase = Callable[..., tuple[str, sa.Engine]]


@dataclass
class Absorbed:
    """What the inbox made of every delivered copy."""

    delivered: int
    handled: int
    duplicates: int
    side_effects: int


def absorb_with_inbox(
    bootstrap_servers: str, topic: str, new_database: MakeDatabase, consumer: str
) -> Absorbed:
    """Feed every record on ``topic`` (duplicates included) through a real inbox whose
    handler leaves one row per run, and count the rows."""
    _, engine = new_database("absorb")
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE effect (message_id uuid, note text)"))

    def record_effect(session: Session, message: InboxMessage) -> None:
        session.execute(
            sa.text("INSERT INTO effect VALUES (:id, :note)"),
            {"id": message.id, "note": json.dumps(message.payload)},
        )

    registry = HandlerRegistry()
    registry.on("Stepped")(record_effect)
    processor = InboxProcessor(engine, consumer, registry)
    records = read_topic(bootstrap_servers, topic)
    outcomes: list[Outcome] = []
    for start in range(0, len(records), 500):
        messages = [
            decode_record(
                SimpleNamespace(
                    topic=r.topic,
                    partition=r.partition,
                    offset=0,
                    key=r.key,
                    value=r.value,
                    headers=list(r.headers.items()),
                )
            )
            for r in records[start : start + 500]
        ]
        outcomes += processor.process_batch(messages)
    with engine.connect() as connection:
        effects = connection.execute(sa.text("SELECT count(*) FROM effect")).scalar_one()
    return Absorbed(
        delivered=len(records),
        handled=outcomes.count(Outcome.HANDLED),
        duplicates=outcomes.count(Outcome.DUPLICATE),
        side_effects=int(effects),
    )


def report(label: str, result: Report, absorbed: Absorbed, extra: str = "") -> None:
    line = (
        f"[{label}] {result} delivered={absorbed.delivered} "
        f"absorbed_by_inbox={absorbed.duplicates} side_effects={absorbed.side_effects} {extra}"
    ).strip()
    write_report(line)


def write_report(line: str) -> None:
    """Print a crash test's report line; append it to ``$POSTROOM_CHAOS_REPORT`` too."""
    print(line)
    if path := os.environ.get("POSTROOM_CHAOS_REPORT"):
        with open(path, "a") as out:
            out.write(line + "\n")
