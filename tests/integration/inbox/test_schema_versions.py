"""Old schema versions are upcast before the handler sees them; newer ones are dead
letters (reason ``unknown-schema-version``), driven through ``inbox.testing``."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from postroom.inbox import HandlerRegistry, InboxMessage
from postroom.inbox.testing import MemoryInbox
from postroom.outbox import Event
from tests.integration.inbox.conftest import Reader


def orders_registry(seen: list[Any]) -> HandlerRegistry:
    registry = HandlerRegistry()

    @registry.on("OrderPlaced", version=2)
    def place(session: Session, message: InboxMessage) -> None:
        seen.append(message.payload)
        session.execute(
            sa.text("INSERT INTO effect VALUES (:id, :note)"),
            {"id": message.id, "note": json.dumps(message.payload)},
        )

    @registry.upcaster("OrderPlaced", from_version=1)
    def cents(payload: Any) -> Any:
        return {"order_id": payload["order_id"], "total_cents": round(payload["total"] * 100)}

    return registry


def order(version: int, payload: dict[str, Any]) -> Event:
    return Event(
        aggregate_type="order",
        aggregate_id=payload["order_id"],
        type="OrderPlaced",
        payload=payload,
        schema_version=version,
    )


def test_v1_is_upcast_v2_passes_and_v3_is_a_dead_letter(reader: Reader) -> None:
    seen: list[Any] = []
    inbox = MemoryInbox(orders_registry(seen), reader.engine, consumer="orders")
    inbox.publish(order(1, {"order_id": "o-1", "total": 12.5}))
    inbox.publish(order(2, {"order_id": "o-2", "total_cents": 700}))
    future = inbox.publish(order(3, {"order_id": "o-3", "totals": []}))

    inbox.run()

    assert seen == [
        {"order_id": "o-1", "total_cents": 1250},
        {"order_id": "o-2", "total_cents": 700},
    ]
    [letter] = inbox.dead_letters
    assert (letter.record, letter.reason) == (future, "unknown-schema-version")
    assert reader.effects() == 2


def test_undecodable_records_are_dead_lettered_with_their_reason(reader: Reader) -> None:
    inbox = MemoryInbox(orders_registry([]), reader.engine, max_message_bytes=100)
    inbox.send_raw("outbox.event.order", b"{nope", [("id", b"x"), ("eventType", b"OrderPlaced")])
    inbox.send_json("outbox.event.order", "OrderPlaced", {"big": "x" * 200})
    inbox.run()
    assert [d.reason for d in inbox.dead_letters] == ["malformed", "oversized"]
