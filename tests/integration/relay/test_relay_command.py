"""``postroom relay`` as its own process: SIGTERM flushes, commits offsets, exits 0.
``postroom slot list|drop`` warn before losing unconsumed WAL."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from postroom.cli import main
from postroom.devstack import EmbeddedStack
from postroom.outbox import Event, publish
from tests.integration.relay.conftest import read_topic, wait_for_ids
from tests.integration.relay.relay_process import RelayProcess

MakeDatabase = Callable[..., tuple[str, sa.Engine]]


def publish_many(engine: sa.Engine, kind: str, count: int) -> list[Event]:
    events = [
        Event(aggregate_type=kind, aggregate_id=f"a{i % 5}", type="Counted", payload={"n": i})
        for i in range(count)
    ]
    with Session(engine) as session, session.begin():
        for event in events:
            publish(session, event)
    return events


@pytest.mark.slow
def test_sigterm_commits_offsets_and_exits_zero(
    stack: EmbeddedStack, new_database: MakeDatabase, tmp_path: Path
) -> None:
    url, engine = new_database("graceful")
    topic = "outbox.event.graceful"
    relay = RelayProcess({"graceful": url}, stack.bootstrap_servers, tmp_path)
    try:
        relay.start()
        first = publish_many(engine, "graceful", 50)
        wait_for_ids(stack.bootstrap_servers, topic, {e.id for e in first})

        code = relay.terminate()

        assert code == 0
        assert relay.wait_for_line("stopped after relaying", timeout=5).endswith(
            "records; offsets committed"
        )
        # Restarted, the relay resumes after the committed offsets: nothing is sent twice.
        second = publish_many(engine, "graceful", 10)
        relay = RelayProcess({"graceful": url}, stack.bootstrap_servers, tmp_path).start()
        wait_for_ids(stack.bootstrap_servers, topic, {e.id for e in second})
        ids = [r.headers["id"] for r in read_topic(stack.bootstrap_servers, topic)]
        assert len(ids) == len(set(ids)) == 60
    finally:
        relay.stop()


def test_slot_list_flags_a_slot_nobody_reads_with_the_wal_it_retains(
    new_database: MakeDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    url, engine = new_database("slots")  # migrated: its slot exists, no relay reads it
    database = str(engine.url.database)
    publish_many(engine, "slots", 20)

    assert main(["slot", "list", "--database-url", url, "--json"]) == 0
    slots = {s["slot_name"]: s for s in json.loads(capsys.readouterr().out)}
    assert main(["slot", "list", "--database-url", url]) == 0
    listed = capsys.readouterr()
    table, warnings = listed.out, listed.err

    mine = slots[f"postroom_{database}"]
    assert mine["database"] == database
    assert mine["active"] is False
    assert mine["unconsumed_bytes"] > 0
    assert mine["inactive_since"] is not None  # PostgreSQL 17+
    assert mine["idle_warning"].startswith(
        f"no active reader since {mine['inactive_since']}: retains "
        f"{mine['retained_bytes']:,} bytes of WAL, growing until its relay reads it"
    )
    assert mine["idle_warning"].endswith(f"(postroom slot drop postroom_{database})")
    assert "replication slots" in table
    assert f"warning: postroom_{database}: no active reader since" in warnings


def test_slot_drop_warns_and_refuses_while_wal_is_unconsumed(
    new_database: MakeDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    url, engine = new_database("slots")
    slot = f"postroom_{engine.url.database}"
    publish_many(engine, "slots", 20)

    refused = main(["slot", "drop", slot, "--database-url", url])
    error = capsys.readouterr().err

    assert refused == 2
    assert error.startswith(f"error: slot {slot!r} still holds ")
    assert error.rstrip().endswith(
        "dropping it loses any outbox events in there for that relay. Start the relay to "
        "drain it, or pass --force if you are sure"
    )

    forced = main(["slot", "drop", slot, "--database-url", url, "--force"])

    assert forced == 0
    assert f"warning: dropped slot {slot!r} with " in capsys.readouterr().err
    with engine.connect() as connection:
        left = connection.execute(
            sa.text("SELECT count(*) FROM pg_replication_slots WHERE slot_name = :n"),
            {"n": slot},
        ).scalar()
    assert left == 0
