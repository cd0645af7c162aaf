"""The inbox table: one row per (consumer, message id) ever handled."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID

__all__ = ["DEFAULT_INBOX_TABLE", "inbox_table"]

DEFAULT_INBOX_TABLE = "inbox_message"


def inbox_table(
    metadata: sa.MetaData, *, name: str = DEFAULT_INBOX_TABLE, schema: str | None = None
) -> sa.Table:
    """Define the inbox table in ``metadata``.

    The primary key ``(consumer, message_id)`` is the dedupe: a second insert of the same
    pair conflicts, and the handler is skipped. ``topic``/``partition``/``offset`` say where
    the message was first seen, for operators.
    """
    table = sa.Table(
        name,
        metadata,
        sa.Column("consumer", sa.Text, primary_key=True),
        sa.Column("message_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("topic", sa.Text, nullable=False),
        sa.Column("partition", sa.Integer, nullable=False),
        sa.Column("offset", sa.BigInteger, nullable=False),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.func.now(),
        ),
        schema=schema,
    )
    # Retention deletes by age (migration 0004).
    sa.Index(f"ix_{name}_received_at", table.c.received_at)
    return table
