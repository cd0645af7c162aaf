"""``postroom replay outbox`` re-publishes the retained rows of a time range exactly as
the relay published them: same topic, key, value, headers and event id (the inbox's
dedupe key), and nothing outside the range."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa
from kafka import KafkaConsumer
from sqlalchemy.dialects.postgresql import JSONB

from postroom.cli import main
from postroom.connectors import ensure_topics
from postroom.devstack import EmbeddedStack
from postroom.outbox import Event, retained_outbox_table, wire


def test_retained_rows_of_a_range_are_published_again_with_their_ids(
    stack: EmbeddedStack, new_database: Callable[[str], tuple[str, sa.Engine]]
) -> None:
    url, engine = new_database("retained")
    aggregate = f"parcel{uuid.uuid4().hex[:8]}"
    topic = wire.topic_for(aggregate)
    ensure_topics(stack.bootstrap_servers, [topic])
    events = [
        Event(aggregate_type=aggregate, aggregate_id=f"p{day}", type="ParcelShipped",
              payload={"parcel": day, "items": [1, 2.5, None]},
              timestamp=datetime(2026, 11, day, 12, tzinfo=UTC), correlation_id=f"c{day}")
        for day in (20, 21, 22)
    ]  # fmt: skip
    # The rows a retain-mode outbox keeps (written directly: this tests the replay).
    retained = retained_outbox_table(sa.MetaData())
    with engine.begin() as connection:
        for event in events:
            row = wire.event_row(event)
            row[wire.PAYLOAD_COLUMN] = sa.cast(row[wire.PAYLOAD_COLUMN], JSONB)
            connection.execute(retained.insert().values(**row))

    code = main(["replay", "outbox", "--database-url", url,
                 "--bootstrap-servers", stack.bootstrap_servers,
                 "--since", "2026-11-21T00:00:00Z", "--until", "2026-11-23T00:00:00Z"])  # fmt: skip

    assert code == 0
    consumer = KafkaConsumer(
        topic, bootstrap_servers=stack.bootstrap_servers, auto_offset_reset="earliest",
        consumer_timeout_ms=3000, group_id=None,
    )  # fmt: skip
    records = list(consumer)
    consumer.close()
    by_id = {dict(r.headers)["id"].decode(): r for r in records}
    assert set(by_id) == {str(events[1].id), str(events[2].id)}
    for event in events[1:]:
        record = by_id[str(event.id)]
        assert record.key == event.aggregate_id.encode()
        assert json.loads(record.value) == event.payload
        assert record.headers == wire.event_headers(event)
