"""auth's own tables (its database, nobody else's). Created by ``alembic/versions``; these
models are what the drift check compares the revisions with."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, UUID

__all__ = ["account", "account_permissions", "metadata"]

metadata = sa.MetaData()

account = sa.Table(
    "account",
    metadata,
    sa.Column("user_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("email", sa.Text, nullable=False, unique=True),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False, server_default="active"),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Column(
        "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.CheckConstraint("status IN ('active', 'deactivated')", name="account_status"),
)

# What authz granted each user, as its ``RolesChanged`` events said: put into tokens.
account_permissions = sa.Table(
    "account_permissions",
    metadata,
    sa.Column("user_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("roles", ARRAY(sa.Text), nullable=False),
    sa.Column("permissions", ARRAY(sa.Text), nullable=False),
    sa.Column("source_event_id", UUID(as_uuid=True), nullable=False),
)
