"""Throwaway PostgreSQL databases: created with a unique name, dropped after use.

``PostgresServer`` takes a superuser URL of any server (the embedded one, a CI service, a
local PostgreSQL) and only ever drops databases it created itself.
"""

from __future__ import annotations

import itertools
import os
import secrets

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from postroom.errors import MigrationError, MigrationSettingsError
from postroom.migrations._api import sync_url

__all__ = ["PostgresServer", "ThrowawayDatabase"]

_counter = itertools.count()


class ThrowawayDatabase:
    """One database made for one test; ``url`` uses psycopg, ``url_for`` any driver."""

    def __init__(self, server: PostgresServer, name: str) -> None:
        self.server = server
        self.name = name

    @property
    def url(self) -> str:
        return self.url_for("psycopg")

    def url_for(self, driver: str) -> str:
        """This database's URL with ``driver`` (``psycopg``, ``asyncpg``, ...)."""
        url = make_url(self.server.admin_url).set(
            drivername=f"postgresql+{driver}", database=self.name
        )
        return url.render_as_string(hide_password=False)

    def drop(self) -> None:
        self.server.drop_database(self.name)


class PostgresServer:
    """Where throwaway databases are made: ``admin_url`` names a superuser and any database."""

    def __init__(self, admin_url: str, *, connect_timeout: int = 5) -> None:
        self.admin_url = sync_url(admin_url)
        self._engine = sa.create_engine(
            self.admin_url,
            isolation_level="AUTOCOMMIT",
            poolclass=sa.NullPool,
            connect_args={"connect_timeout": connect_timeout},
        )
        self._created: set[str] = set()

    def version(self) -> str:
        """``server_version`` (raises the driver's error when the server is not reachable)."""
        with self._engine.connect() as connection:
            return str(connection.exec_driver_sql("SHOW server_version").scalar_one())

    def unreachable_reason(self) -> str | None:
        """None when we can connect, else why not (for a clear skip or failure)."""
        try:
            self.version()
        except sa.exc.DBAPIError as exc:
            return f"PostgreSQL at {make_url(self.admin_url)!r} is not reachable: {exc.orig}"
        return None

    def create_database(self, prefix: str = "postroom_test") -> ThrowawayDatabase:
        """A new empty database named ``<prefix>_<pid>_<n>_<random>``."""
        name = f"{prefix}_{os.getpid()}_{next(_counter)}_{secrets.token_hex(3)}"
        if not name.replace("_", "").isalnum() or not name.islower() or len(name) > 63:
            raise MigrationSettingsError(
                f"prefix must be lower-case letters, digits and _, got {prefix!r}"
            )
        with self._engine.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        self._created.add(name)
        return ThrowawayDatabase(self, name)

    def drop_database(self, name: str) -> None:
        """Drop ``name`` (disconnecting its sessions); only databases made here."""
        if name not in self._created:
            raise MigrationError(f"refusing to drop {name!r}: this server did not create it")
        with self._engine.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._created.discard(name)

    def close(self) -> None:
        """Drop every database still left, then release the admin engine."""
        for name in sorted(self._created):
            self.drop_database(name)
        self._engine.dispose()
