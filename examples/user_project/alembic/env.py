"""The shop's Alembic env: Alembic's async template, plus Postroom's tables in the models."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from alembic import context
from shop.models import all_models
from sqlalchemy.ext.asyncio import async_engine_from_config

config = context.config
target_metadata = all_models()


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: sa.Connection) -> None:
    context.configure(
        connection=connection, target_metadata=target_metadata, transaction_per_migration=True
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations() -> None:
    # postgresql+psycopg and postgresql+asyncpg URLs both work on an async engine.
    engine = async_engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=sa.NullPool,
    )
    async with engine.connect() as connection:
        await connection.run_sync(do_run_migrations)
    await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_async_migrations())
