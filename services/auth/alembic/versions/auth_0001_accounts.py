"""auth: accounts and the permissions authz granted them.

Revision ID: auth_0001
Revises:
Create Date: 2026-11-23

New tables only: no lock on anything that exists.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, UUID

revision = "auth_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account",
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
    op.create_table(
        "account_permissions",
        sa.Column("user_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("roles", ARRAY(sa.Text), nullable=False),
        sa.Column("permissions", ARRAY(sa.Text), nullable=False),
        sa.Column("source_event_id", UUID(as_uuid=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("account_permissions")
    op.drop_table("account")
