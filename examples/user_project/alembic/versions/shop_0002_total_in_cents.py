"""A data migration: the order total moves from a decimal to integer cents.

Revision ID: shop_0002
Revises: shop_0001
Create Date: 2026-11-23

Online-safety: ADD COLUMN without a default and DROP COLUMN only touch the catalog (brief
ACCESS EXCLUSIVE lock); the UPDATE rewrites every row (on a big table: do it in batches in
a separate revision, then SET NOT NULL after a validated CHECK constraint).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "shop_0002"
down_revision = "shop_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("orders", sa.Column("total_cents", sa.BigInteger, nullable=True))
    op.execute("UPDATE orders SET total_cents = round(total * 100)")
    op.alter_column("orders", "total_cents", nullable=False)
    op.drop_column("orders", "total")


def downgrade() -> None:
    op.add_column("orders", sa.Column("total", sa.Numeric(12, 2), nullable=True))
    op.execute("UPDATE orders SET total = total_cents / 100.0")
    op.alter_column("orders", "total", nullable=False)
    op.drop_column("orders", "total_cents")
