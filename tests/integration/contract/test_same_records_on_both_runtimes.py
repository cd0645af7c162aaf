"""The relay contract, held against both runtimes (embedded Debezium and Kafka Connect).

Whatever relays an outbox, the same ``Event`` becomes the same Kafka record: topic
``outbox.event.<aggregate type>``, key = aggregate id, the same headers, the payload as
JSON, and the inbox decodes it to the same message. A rolled-back transaction produces
nothing. Every test runs in each of the three outbox modes (``table``, ``retain``,
``wal-message``) on each runtime.

One difference is allowed, and only one: for an optional field that is null, Kafka
Connect writes a header with a null value (its header converter keeps them) where the
embedded relay writes none. Consumers read both as absent (``headers_present``).
"""

from __future__ import annotations

import itertools
import json
import uuid
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from postroom.inbox import decode_record
from postroom.outbox import Event
from tests.integration.contract.conftest import MODES, ContractRig
from tests.integration.relay.conftest import Produced, read_topic, wait_for_ids

pytestmark = pytest.mark.tansu

_kinds = itertools.count()


def new_event(rig: ContractRig, payload: dict[str, object] | None, **fields: object) -> Event:
    return Event(
        aggregate_type=f"contract_{rig.runtime}_{next(_kinds)}",
        aggregate_id="order-7",
        type="OrderPlaced",
        payload=payload,
        **fields,  # type: ignore[arg-type]
    )


def full_event(rig: ContractRig, payload: dict[str, object] | None) -> Event:
    return new_event(
        rig,
        payload,
        timestamp=datetime(2026, 11, 23, 10, 30, 15, 120000, tzinfo=UTC),
        traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        correlation_id="corr-1",
        causation_id="cause-1",
        subject_id="user-9",
        tenant="acme",
        schema_version=2,
    )


def headers_present(record: Produced) -> dict[str, bytes]:
    """The record's headers that carry a value (see the module docstring)."""
    return {name: value for name, value in record.headers.items() if value is not None}


def consumer_record(record: Produced) -> SimpleNamespace:
    """The record as kafka-python's consumer hands it to the inbox."""
    return SimpleNamespace(
        topic=record.topic,
        partition=record.partition,
        offset=0,
        key=record.key,
        value=record.value,
        headers=list(record.headers.items()),
    )


def relayed_once_per_mode(rig: ContractRig, event: Event) -> list[Produced]:
    topic = f"outbox.event.{event.aggregate_type}"
    records = wait_for_ids(rig.bootstrap_servers, topic, {event.id}, copies=len(MODES))
    assert len(records) == len(MODES), "each mode relays the event exactly once"
    return records


def test_an_event_becomes_the_same_record_in_every_mode(rig: ContractRig) -> None:
    event = full_event(rig, {"order_id": "o-7", "items": [1, 2], "total": 12.5, "gift": False})
    rig.publish_everywhere(event)

    records = relayed_once_per_mode(rig, event)

    for record in records:
        assert record.topic == f"outbox.event.{event.aggregate_type}"
        assert record.key == b"order-7"
        assert headers_present(record) == {
            "id": str(event.id).encode(),
            "eventType": b"OrderPlaced",
            "timestamp": b"2026-11-23T10:30:15.120000Z",
            "schemaVersion": b"2",
            "traceparent": b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            "correlationId": b"corr-1",
            "causationId": b"cause-1",
            "subjectId": b"user-9",
            "tenant": b"acme",
        }
        assert json.loads(record.value or b"") == event.payload


def test_a_null_payload_becomes_a_tombstone_in_every_mode(rig: ContractRig) -> None:
    event = full_event(rig, None)
    rig.publish_everywhere(event)

    records = relayed_once_per_mode(rig, event)

    assert [(r.key, r.value) for r in records] == [(b"order-7", None)] * len(MODES)


def test_absent_optional_fields_are_absent_headers_in_every_mode(rig: ContractRig) -> None:
    event = new_event(rig, {"name": "Zoë", "nested": {"b": 1, "a": [None, True]}})
    rig.publish_everywhere(event)

    records = relayed_once_per_mode(rig, event)

    for record in records:
        assert set(headers_present(record)) == {"id", "eventType", "timestamp", "schemaVersion"}
        assert json.loads(record.value or b"") == event.payload
        message = decode_record(consumer_record(record))
        assert (message.id, message.type, message.payload) == (event.id, event.type, event.payload)
        assert message.traceparent is None


def test_a_rolled_back_transaction_produces_nothing_in_any_mode(rig: ContractRig) -> None:
    kind = f"contract_{rig.runtime}_{next(_kinds)}"
    rolled_back = Event(aggregate_type=kind, aggregate_id="a", type="Never", payload={})
    for mode in MODES:
        rig.publish(mode, rolled_back, commit=False)
    committed = Event(aggregate_type=kind, aggregate_id="a", type="After", payload={})
    rig.publish_everywhere(committed)  # committed after: once it is there, so would be the other

    relayed_once_per_mode(rig, committed)

    ids = {
        uuid.UUID(r.headers["id"].decode())
        for r in read_topic(rig.bootstrap_servers, f"outbox.event.{kind}")
    }
    assert ids == {committed.id}
