"""The shop's own table, and the models its drift check compares: ours plus Postroom's."""

from __future__ import annotations

import sqlalchemy as sa

from postroom import migrations

metadata = sa.MetaData()

orders = sa.Table(
    "orders",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("customer", sa.Text, nullable=False),
    sa.Column("total_cents", sa.BigInteger, nullable=False),
)


def all_models() -> sa.MetaData:
    """The shop's models and Postroom's, in one MetaData (for autogenerate and drift)."""
    combined = migrations.framework_metadata()
    for table in metadata.tables.values():
        table.to_metadata(combined)
    return combined
