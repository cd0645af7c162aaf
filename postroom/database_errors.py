"""Driver errors mapped into the ``PostroomError`` tree, once, at the database boundary.

``database_errors(url)`` wraps work on one database: an unreachable server, an unknown
database or a refused login becomes ``DatabaseUnavailableError``; a missing table
``MissingTableError`` naming the command that creates Postroom's tables; any other
driver error ``DatabaseError``. Each message says which database (host, port, name,
never the password) and keeps the server's own first line.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from postroom.database_url import describe
from postroom.errors import DatabaseError, DatabaseUnavailableError, MissingTableError

__all__ = ["MIGRATE_COMMAND", "database_errors"]

#: What creates Postroom's tables, as a user types it.
MIGRATE_COMMAND = "postroom migrate upgrade --database-url URL"

_UNDEFINED_TABLE = "42P01"
_UNDEFINED_SCHEMA = "3F000"


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _sqlstate(error: sa.exc.DBAPIError) -> str | None:
    orig = error.orig
    state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return state if isinstance(state, str) else None


@contextmanager
def database_errors(database_url: sa.URL | str) -> Iterator[None]:
    """Raise driver errors from the ``with`` block as ``DatabaseError`` and subclasses."""
    where = describe(database_url)
    try:
        yield
    except sa.exc.DBAPIError as exc:
        reason = _first_line(exc.orig if exc.orig is not None else exc)
        if _sqlstate(exc) in (_UNDEFINED_TABLE, _UNDEFINED_SCHEMA):
            raise MissingTableError(
                f"database {where} lacks Postroom's tables ({reason}): run `{MIGRATE_COMMAND}`"
                " (with the same --schema) first"
            ) from exc
        if exc.connection_invalidated or isinstance(
            exc, sa.exc.OperationalError | sa.exc.InterfaceError
        ):
            raise DatabaseUnavailableError(
                f"could not use the database at {where}: {reason}; check --database-url "
                "(or POSTROOM_DATABASE_URL) and that PostgreSQL is up"
            ) from exc
        raise DatabaseError(f"database {where}: {reason}") from exc
