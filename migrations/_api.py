"""Run Postroom's migrations against a database URL, in a chosen schema."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

__all__ = ["alembic_config", "current", "downgrade", "upgrade"]

_HERE = Path(__file__).parent
VERSION_TABLE = "postroom_alembic_version"


def alembic_config(database_url: str, *, schema: str | None = None) -> Config:
    """An Alembic ``Config`` for our revisions, targeting ``schema`` (None: search_path)."""
    config = Config()
    config.set_main_option("script_location", str(_HERE))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["schema"] = schema
    return config


def upgrade(database_url: str, *, schema: str | None = None, revision: str = "head") -> None:
    """Upgrade the outbox/inbox tables in ``schema`` to ``revision``."""
    command.upgrade(alembic_config(database_url, schema=schema), revision)


def downgrade(database_url: str, *, schema: str | None = None, revision: str = "base") -> None:
    """Downgrade the outbox/inbox tables in ``schema`` to ``revision``."""
    command.downgrade(alembic_config(database_url, schema=schema), revision)


def current(database_url: str, *, schema: str | None = None) -> str | None:
    """The revision the database is at, or None before the first upgrade."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={"version_table": VERSION_TABLE, "version_table_schema": schema},
            )
            return context.get_current_revision()
    finally:
        engine.dispose()
