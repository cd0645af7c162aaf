"""Orders, with the total as a decimal.

Revision ID: shop_0001
Revises:
Create Date: 2026-11-23

A new table: no lock on anything that exists. ``depends_on`` Postroom's first revision,
so the outbox exists before the shop's code can publish from an order transaction.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "shop_0001"
down_revision = None
branch_labels = ("shop",)
depends_on = "0001"


def upgrade() -> None:
    op.create_table(
        "orders",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("customer", sa.Text, nullable=False),
        sa.Column("total", sa.Numeric(12, 2), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("orders")
