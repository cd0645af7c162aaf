"""authz: roles (seeded with ``member`` and ``admin``), assignments, known users.

Revision ID: authz_0001
Revises:
Create Date: 2026-11-23

New tables only: no lock on anything that exists.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, UUID

revision = "authz_0001"
down_revision = None
branch_labels = None
depends_on = None

MEMBER = [
    "account:write",
    "activity:read",
    "history:read",
    "history:write",
    "profile:read",
    "profile:write",
    "roles:read",
]
ADMIN = sorted(
    {
        *MEMBER,
        "account:admin",
        "activity:admin",
        "history:admin",
        "profile:admin",
        "reports:read",
        "roles:admin",
    }
)


def upgrade() -> None:
    roles = op.create_table(
        "role",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("permissions", ARRAY(sa.Text), nullable=False),
    )
    op.bulk_insert(
        roles, [{"name": "member", "permissions": MEMBER}, {"name": "admin", "permissions": ADMIN}]
    )
    op.create_table(
        "role_assignment",
        sa.Column("user_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("role", sa.Text, sa.ForeignKey("role.name"), primary_key=True),
        sa.Column(
            "granted_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    op.create_table(
        "subject",
        sa.Column("user_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("status", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("subject")
    op.drop_table("role_assignment")
    op.drop_table("role")
