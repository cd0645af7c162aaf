"""users' own tables (its database, nobody else's)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID

__all__ = ["create_tables", "metadata", "profile"]

metadata = sa.MetaData()

profile = sa.Table(
    "profile",
    metadata,
    sa.Column("user_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("email", sa.Text, nullable=False),
    # When auth created the event, and when our handler ran: the difference is the
    # commit-to-handler latency the demo reports.
    sa.Column("event_created_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("source_event_id", UUID(as_uuid=True), nullable=False),
)


def create_tables(engine: sa.Engine) -> None:
    metadata.create_all(engine)
