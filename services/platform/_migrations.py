"""A service's own Alembic history, beside Postroom's.

Each service keeps its revisions in ``<service>/alembic/versions`` and its version table
``alembic_version`` in its own database; Postroom's revisions run separately (their own
version table, ``postroom_alembic_version``), before the service's, so neither history
ever sees the other's revisions. ``ServiceMigrations.config(url)`` is what the pytest
plugin's ``postroom_migrator`` walks (``stairway()``).
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from alembic import command, context
from alembic.config import Config
from sqlalchemy.ext.asyncio import async_engine_from_config

__all__ = ["ServiceMigrations", "run_migrations_env"]


@dataclass(frozen=True, slots=True)
class ServiceMigrations:
    """The Alembic project of one service: its script folder and its models (for drift)."""

    service: str
    script_location: Path
    metadata: sa.MetaData

    def config(self, database_url: str) -> Config:
        """An Alembic ``Config`` for this service's revisions on ``database_url``."""
        config = Config()
        config.set_main_option("script_location", str(self.script_location))
        config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
        config.attributes["target_metadata"] = self.metadata
        return config

    def upgrade(self, database_url: str, revision: str = "head") -> None:
        """Bring the service's own tables to ``revision`` (run as the service's role)."""
        command.upgrade(self.config(database_url), revision)


def run_migrations_env() -> None:
    """The body of every service's ``env.py`` (Alembic's async template, one transaction
    per revision). A sync URL (``postgresql+psycopg``) runs on an async engine too."""
    config = context.config
    metadata = config.attributes.get("target_metadata")
    if context.is_offline_mode():
        context.configure(
            url=config.get_main_option("sqlalchemy.url"),
            literal_binds=True,
            target_metadata=metadata,
        )
        with context.begin_transaction():
            context.run_migrations()
        return

    def run(connection: sa.Connection) -> None:
        context.configure(
            connection=connection, target_metadata=metadata, transaction_per_migration=True
        )
        with context.begin_transaction():
            context.run_migrations()

    async def main() -> None:
        section = config.get_section(config.config_ini_section, {})
        url = section["sqlalchemy.url"]
        if url.startswith("postgresql+psycopg://"):
            section["sqlalchemy.url"] = url.replace("+psycopg://", "+psycopg_async://", 1)
        engine = async_engine_from_config(section, prefix="sqlalchemy.", poolclass=sa.NullPool)
        try:
            async with engine.connect() as connection:
                await connection.run_sync(run)
        finally:
            await engine.dispose()

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(main())
        return
    # Called from inside a running event loop: run in a thread with a loop of its own.
    with ThreadPoolExecutor(1, thread_name_prefix="service-migrations") as pool:
        pool.submit(asyncio.run, main()).result()
