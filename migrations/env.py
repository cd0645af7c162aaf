"""Alembic environment for Postroom's tables (from Alembic's ``async`` template).

One schema per run, our own version table in it, one transaction per revision. An async
URL (``postgresql+asyncpg``) runs on an async engine, a sync one on a plain engine, a
connection handed in as ``config.attributes["connection"]`` is used as is, and
``--sql`` (offline) renders the SQL for review.
"""

from __future__ import annotations

import asyncio
import threading

import sqlalchemy as sa
from alembic import context
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import async_engine_from_config

from postroom.migrations._settings import SETTINGS_ATTRIBUTE, MigrationSettings

config = context.config
settings: MigrationSettings = config.attributes.get(SETTINGS_ATTRIBUTE) or MigrationSettings(
    schema=config.attributes.get("schema")
)


def _configure(**options: object) -> None:
    context.configure(
        version_table=settings.version_table,
        version_table_schema=settings.schema,
        transaction_per_migration=True,
        **options,  # type: ignore[arg-type]
    )


def run_migrations_offline() -> None:
    """Render the SQL instead of running it (``postroom migrate upgrade --sql``)."""
    _configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True)
    with context.begin_transaction():
        if settings.schema is not None:
            context.execute(f'CREATE SCHEMA IF NOT EXISTS "{settings.schema}"')
        context.run_migrations()


def do_run_migrations(connection: sa.Connection, *, owned: bool = True) -> None:
    if settings.lock_timeout_ms is not None:
        # Session-wide: every DDL gives up instead of queueing all traffic behind it.
        connection.execute(sa.text(f"SET lock_timeout = {int(settings.lock_timeout_ms)}"))
    if settings.schema is not None:
        connection.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{settings.schema}"'))
    if owned:
        connection.commit()
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations() -> None:
    engine = async_engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=sa.NullPool,
    )
    try:
        async with engine.connect() as connection:
            await connection.run_sync(do_run_migrations)
    finally:
        await engine.dispose()


def _run_async() -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(run_async_migrations())
        return
    # Called from inside a running event loop: run ours in a thread of its own.
    failure: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(run_async_migrations())
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=target, name="postroom-migrations")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        do_run_migrations(connection, owned=False)
        return
    url = config.get_main_option("sqlalchemy.url") or ""
    if make_url(url).get_driver_name() in {"asyncpg", "psycopg_async"}:
        _run_async()
        return
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    try:
        with engine.connect() as connection:
            do_run_migrations(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
