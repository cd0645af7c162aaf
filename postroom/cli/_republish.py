"""``postroom replay outbox``: re-publish retained outbox rows (``retain`` mode) of a
time range to their topics, exactly as the relay first did (key, value, headers from the
wire format, the same event ids), so consumers' inboxes skip whatever they handled.

    postroom replay outbox --database-url URL --since 2026-11-23T00:00Z \\
        --until 2026-11-23T12:00Z [--aggregate-type user] [--dry-run]
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from postroom.kafka_security import kafka_security

__all__ = ["republish", "retained_events"]


def retained_events(
    database_url: str,
    *,
    since: datetime,
    until: datetime,
    aggregate_types: list[str] | None = None,
    schema: str | None = None,
) -> Iterator[Any]:
    """The retained rows with ``since <= timestamp < until`` as ``outbox.Event``s, in order."""
    import sqlalchemy as sa

    from postroom import migrations
    from postroom.outbox import RETAINED_OUTBOX_TABLE, Event, retained_outbox_table

    table = retained_outbox_table(sa.MetaData(), name=RETAINED_OUTBOX_TABLE, schema=schema)
    query = (
        sa.select(table)
        .where(table.c.timestamp >= since, table.c.timestamp < until)
        .order_by(table.c.timestamp, table.c.id)
    )
    if aggregate_types:
        query = query.where(table.c.aggregatetype.in_(aggregate_types))
    engine = sa.create_engine(migrations.sync_url(database_url), poolclass=sa.NullPool)
    try:
        with engine.connect() as connection:
            for row in connection.execute(query):
                payload = (
                    row.payload if not isinstance(row.payload, str) else json.loads(row.payload)
                )
                yield Event(
                    id=row.id,
                    aggregate_type=row.aggregatetype,
                    aggregate_id=row.aggregateid,
                    type=row.type,
                    payload=payload,
                    timestamp=row.timestamp,
                    schema_version=row.schemaversion,
                    traceparent=row.tracingspancontext,
                    correlation_id=row.correlationid,
                    causation_id=row.causationid,
                    subject_id=row.subjectid,
                    tenant=row.tenant,
                )
    finally:
        engine.dispose()


def republish(
    bootstrap_servers: str, events: Iterator[Any], *, dry_run: bool = False
) -> list[dict[str, Any]]:
    """Produce each event as the relay would; return one row per event."""
    from kafka import KafkaProducer

    from postroom.inbox.testing import record_for

    rows: list[dict[str, Any]] = []
    producer = (
        None
        if dry_run
        else KafkaProducer(
            bootstrap_servers=bootstrap_servers, **kafka_security(None).kafka_python(), acks="all"
        )
    )
    try:
        for event in events:
            record = record_for(event)
            rows.append({"topic": record.topic, "id": str(event.id), "type": event.type,
                         "timestamp": event.timestamp.isoformat()})  # fmt: skip
            if producer is not None:
                producer.send(
                    record.topic, key=record.key, value=record.value, headers=record.headers
                )
        if producer is not None:
            producer.flush(timeout=30)
    finally:
        if producer is not None:
            producer.close(timeout=5)
    return rows
