"""users: the data keys of crypto-shredding (one per user; users owns them).

Revision ID: users_0002
Revises: users_0001
Create Date: 2026-11-24

A new table (``postroom.privacy.subject_keys_table``): no lock on anything that exists.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "users_0002"
down_revision = "users_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "postroom_subject_key",
        sa.Column("subject", sa.Text, primary_key=True),
        sa.Column("data_key", sa.LargeBinary, nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("shredded_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(data_key IS NULL) = (shredded_at IS NOT NULL)",
            name="postroom_subject_key_key_or_shredded",
        ),
    )


def downgrade() -> None:
    op.drop_table("postroom_subject_key")
