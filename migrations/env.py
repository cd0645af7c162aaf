"""Alembic environment for Postroom's tables: one schema per run, its own version table."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from migrations._api import VERSION_TABLE

config = context.config
schema: str | None = config.attributes.get("schema")


def _run(connection: sa.Connection) -> None:
    if schema is not None:
        connection.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    context.configure(
        connection=connection,
        version_table=VERSION_TABLE,
        version_table_schema=schema,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = sa.create_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.begin() as connection:
            _run(connection)
    finally:
        engine.dispose()


run_migrations_online()
