"""authz's own tables: roles, who holds them, and the users it knows of (from auth)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, UUID

__all__ = ["metadata", "role", "role_assignment", "subject"]

metadata = sa.MetaData()

role = sa.Table(
    "role",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("permissions", ARRAY(sa.Text), nullable=False),
)

role_assignment = sa.Table(
    "role_assignment",
    metadata,
    sa.Column("user_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("role", sa.Text, sa.ForeignKey("role.name"), primary_key=True),
    sa.Column(
        "granted_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
)

# The users authz has heard of (auth's events), so it never grants to a closed account.
subject = sa.Table(
    "subject",
    metadata,
    sa.Column("user_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("status", sa.Text, nullable=False),
)
