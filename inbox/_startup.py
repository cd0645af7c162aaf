"""What an ``InboxWorker`` checks before it joins its consumer group.

Without these checks a worker with a wrong engine or no inbox table starts anyway, and
every message it reads fails, goes to ``.retry`` and then to ``.dlq``, with the reason
only in a header. ``check_inbox_ready`` refuses instead, naming the fix:

- a synchronous engine built on an async driver (``create_engine("postgresql+asyncpg://
  ...")``), which fails on first use with ``MissingGreenlet``: ``InboxConfigError``;
- a database that does not answer: ``DatabaseUnavailableError``;
- no inbox table where the worker looks for it: ``MissingTableError``.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from postroom.database_errors import MIGRATE_COMMAND, database_errors
from postroom.database_url import describe, sync_url
from postroom.errors import InboxConfigError, MissingTableError
from postroom.inbox._table import DEFAULT_INBOX_TABLE

__all__ = ["check_inbox_ready"]


def _checked_engine(engine: object) -> sa.Engine:
    """A synchronous engine on the same database, for the checks."""
    if isinstance(engine, AsyncEngine):
        url = sync_url(engine.url)
        return sa.create_engine(url, poolclass=sa.pool.NullPool)
    if not isinstance(engine, sa.Engine):
        raise InboxConfigError(
            f"engine must be a SQLAlchemy Engine or AsyncEngine, got {type(engine).__name__}"
        )
    if engine.dialect.is_async:
        raise InboxConfigError(
            f"the engine uses the async driver {engine.dialect.driver} in a synchronous "
            "Engine, which fails on first use: build it with "
            "sqlalchemy.ext.asyncio.create_async_engine(url), or with "
            "sa.create_engine(postroom.database_url.sync_url(url))"
        )
    return engine


def check_inbox_ready(
    engine: sa.Engine | AsyncEngine, *, schema: str | None, table: str = DEFAULT_INBOX_TABLE
) -> None:
    """Raise unless ``engine`` reaches a database holding the inbox table."""
    checked = _checked_engine(engine)
    name = f"{schema}.{table}" if schema else table
    try:
        with database_errors(checked.url), checked.connect() as connection:
            found = connection.execute(
                sa.text("SELECT to_regclass(:name)"),
                {"name": f'"{schema}"."{table}"' if schema else f'"{table}"'},
            ).scalar()
    finally:
        if checked is not engine:
            checked.dispose()
    if found is None:
        schema_option = f" --schema {schema}" if schema else ""
        raise MissingTableError(
            f"the inbox table {name} does not exist in {describe(checked.url)}: run "
            f"`{MIGRATE_COMMAND}{schema_option}` before starting the worker"
        )
