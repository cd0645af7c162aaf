"""The outbox table, with the column names Debezium's outbox EventRouter expects."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID

__all__ = ["DEFAULT_OUTBOX_TABLE", "outbox_table"]

DEFAULT_OUTBOX_TABLE = "outbox"


def outbox_table(
    metadata: sa.MetaData, *, name: str = DEFAULT_OUTBOX_TABLE, schema: str | None = None
) -> sa.Table:
    """Define the outbox table in ``metadata``.

    ``id`` becomes the ``id`` header (the inbox's dedupe key), ``aggregatetype`` the topic,
    ``aggregateid`` the record key and ``payload`` the record value. The remaining columns
    travel as headers (see ``connectors.ConnectorConfig``).
    """
    return sa.Table(
        name,
        metadata,
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
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
        schema=schema,
    )
