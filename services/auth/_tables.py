"""auth's own tables (its database, nobody else's)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID

__all__ = ["create_tables", "credential", "metadata"]

metadata = sa.MetaData()

credential = sa.Table(
    "credential",
    metadata,
    sa.Column("user_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("email", sa.Text, nullable=False, unique=True),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
)


def create_tables(engine: sa.Engine) -> None:
    metadata.create_all(engine)
