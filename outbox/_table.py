"""The outbox tables, with the column names Debezium's outbox EventRouter expects.

``outbox_table`` is the ``table`` mode's table (rows inserted then deleted in the same
transaction). ``retained_outbox_table`` is the ``retain`` mode's table: the same columns,
range-partitioned by ``timestamp`` so old rows leave by ``DROP TABLE`` of a partition,
never by a mass DELETE (see ``outbox._retained``).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID

__all__ = [
    "DEFAULT_OUTBOX_TABLE",
    "RETAINED_OUTBOX_TABLE",
    "outbox_columns",
    "outbox_table",
    "retained_outbox_table",
]

DEFAULT_OUTBOX_TABLE = "outbox"
RETAINED_OUTBOX_TABLE = "outbox_retained"


def outbox_columns(*, id_primary_key: bool = True) -> list[sa.Column[object]]:
    """The envelope's columns, EventRouter names (shared by both tables and migrations)."""
    return [
        sa.Column("id", UUID(as_uuid=True), primary_key=id_primary_key, nullable=False),
        sa.Column("aggregatetype", sa.Text, nullable=False),
        sa.Column("aggregateid", sa.Text, nullable=False),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("payload", JSONB(none_as_null=True), nullable=True),
        sa.Column("timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("schemaversion", sa.Integer, nullable=False, server_default="1"),
        sa.Column("tracingspancontext", sa.Text, nullable=True),
        sa.Column("correlationid", sa.Text, nullable=True),
        sa.Column("causationid", sa.Text, nullable=True),
        sa.Column("subjectid", sa.Text, nullable=True),
        sa.Column("tenant", sa.Text, nullable=True),
    ]


def outbox_table(
    metadata: sa.MetaData, *, name: str = DEFAULT_OUTBOX_TABLE, schema: str | None = None
) -> sa.Table:
    """Define the outbox table in ``metadata``.

    ``id`` becomes the ``id`` header (the inbox's dedupe key), ``aggregatetype`` the topic,
    ``aggregateid`` the record key and ``payload`` the record value. The remaining columns
    travel as headers (see ``connectors.ConnectorConfig``).
    """
    return sa.Table(name, metadata, *outbox_columns(), schema=schema)


def retained_outbox_table(
    metadata: sa.MetaData, *, name: str = RETAINED_OUTBOX_TABLE, schema: str | None = None
) -> sa.Table:
    """Define the ``retain`` mode's table: range-partitioned by ``timestamp``.

    A partitioned table's primary key must contain the partition key, so it is
    ``(id, timestamp)``; ``id`` alone stays unique in practice (UUIDv7).
    """
    return sa.Table(
        name,
        metadata,
        *outbox_columns(id_primary_key=False),
        sa.PrimaryKeyConstraint("id", "timestamp", name=f"{name}_pkey"),
        schema=schema,
        postgresql_partition_by='RANGE ("timestamp")',
    )
