"""Poison messages go to ``<topic>.dlq`` with the right reason and never block the
records behind them; ``postroom dlq replay`` brings a fixed one back, once."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session

from postroom.cli import main
from postroom.devstack import EmbeddedStack
from postroom.inbox import HandlerRegistry, InboxMessage, read_dead_letters
from tests.integration.conftest import eventually
from tests.integration.inbox.conftest import Producer, Reader, Running, new_topic, record_effect


def registry_with_poison() -> HandlerRegistry:
    registry = HandlerRegistry()
    registry.on("OrderPlaced")(record_effect)

    @registry.on("AlwaysFails")
    def explode(session: Session, message: InboxMessage) -> None:
        raise RuntimeError("this handler always raises")

    return registry


def test_each_kind_of_poison_is_dead_lettered_with_its_reason_and_the_partition_flows_on(
    stack: EmbeddedStack,
    producer: Producer,
    reader: Reader,
    start_worker: Callable[..., Running],
) -> None:
    topic = new_topic(stack, partitions=1)  # one partition: everything is "behind" the poison
    running = start_worker(
        registry_with_poison(),
        reader.engine,
        consumer="poison",
        topics=(topic,),
        max_message_bytes=1000,
        max_attempts=2,
        retry_backoff_s=0.01,
        retry_delays_s=(1.5,),  # one round on the retry topic, then the dead letters
    )
    first = producer.send(topic, "OrderPlaced", {"n": 1})
    producer.send(topic, "OrderPlaced", raw_value=b"{not json")
    producer.send(topic, "NobodyHandlesThis", {"n": 2})
    producer.send(topic, "OrderPlaced", {"n": 3}, schema_version=7)
    producer.send(topic, "OrderPlaced", {"blob": "x" * 2000})
    poison = producer.send(topic, "AlwaysFails", {"n": 4})
    last = producer.send(topic, "OrderPlaced", {"n": 5})

    eventually(lambda: reader.effects(last.id) == 1, what="the message behind the poison")
    # Handled while the failing one still waits for its retry round: nothing blocked it.
    assert running.worker.outcomes["dead-lettered:handler-failed"] == 0
    assert reader.effects(first.id) == 1

    dlq = f"{topic}.dlq"
    eventually(
        lambda: running.worker.outcomes["dead-lettered"] == 5, timeout=20, what="5 dead letters"
    )
    letters = {d.summary()["reason"]: d for d in read_dead_letters(stack.bootstrap_servers, dlq)}
    assert sorted(letters) == [
        "handler-failed",
        "malformed",
        "oversized",
        "unknown-event-type",
        "unknown-schema-version",
    ]
    failed = letters["handler-failed"].summary()
    assert failed["id"] == str(poison.id)
    assert failed["exception"] == "RuntimeError"
    assert failed["attempts"] == 4  # 2 in place, then 2 more in the retry round
    assert failed["original_topic"] == topic  # not the retry topic it came from last
    assert failed["original_partition"] == 0
    assert failed["first_failure"] <= failed["parked_at"]
    assert letters["malformed"].value == b"{not json"  # kept byte for byte
    assert letters["unknown-schema-version"].summary()["error"].startswith("OrderPlaced schema")
    assert reader.effects() == 2


def test_dlq_replay_brings_a_fixed_message_back_once(
    stack: EmbeddedStack,
    producer: Producer,
    reader: Reader,
    start_worker: Callable[..., Running],
    capsys: pytest.CaptureFixture[str],
) -> None:
    topic = new_topic(stack)
    broken = {"yes": True}
    registry = HandlerRegistry()

    @registry.on("OrderPlaced")
    def ship(session: Session, message: InboxMessage) -> None:
        if broken["yes"]:
            raise KeyError("address")  # the bug, until the fix is "deployed"
        record_effect(session, message)

    running = start_worker(
        registry, reader.engine, consumer="replay", topics=(topic,), retry_delays_s=()
    )
    sent = producer.send(topic, "OrderPlaced", {"n": 1})
    eventually(lambda: running.worker.outcomes["dead-lettered"] == 1, what="the dead letter")
    servers = ["--bootstrap-servers", stack.bootstrap_servers]

    assert main(["dlq", "list", "--json", *servers]) == 0
    depths = {row["topic"]: row["depth"] for row in json.loads(capsys.readouterr().out)}
    assert depths[f"{topic}.dlq"] == 1
    assert main(["dlq", "list", f"{topic}.dlq", "--json", *servers]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert (listed["id"], listed["reason"]) == (str(sent.id), "handler-failed")
    where = [str(listed["partition"]), str(listed["offset"])]
    assert main(["dlq", "show", f"{topic}.dlq", *where, "--json", *servers]) == 0
    assert (
        json.loads(capsys.readouterr().out)["headers"]["postroom.dlq.error"]
        == "KeyError('address')"
    )

    broken["yes"] = False
    replay = ["dlq", "replay", f"{topic}.dlq", "--partition", where[0], "--offset", where[1]]
    assert main([*replay, "--json", *servers]) == 0
    assert json.loads(capsys.readouterr().out)[0]["replayed_to"] == topic
    eventually(lambda: reader.effects(sent.id) == 1, what="the replayed message's effect")

    assert main([*replay, "--json", *servers]) == 0  # replaying it again changes nothing
    eventually(lambda: running.worker.outcomes["duplicate"] == 1, what="the second replay")
    assert reader.effects(sent.id) == 1
    assert running.worker.outcomes["handled"] == 1


def test_dlq_show_names_a_missing_record(
    stack: EmbeddedStack, capsys: pytest.CaptureFixture[str]
) -> None:
    topic = new_topic(stack)
    code = main(
        ["dlq", "show", f"{topic}.dlq", "0", "99", "--bootstrap-servers", stack.bootstrap_servers]
    )
    assert code == 1
    assert "no dead letter at" in capsys.readouterr().err
