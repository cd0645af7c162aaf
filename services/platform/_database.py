"""A service's own database and its own role: provisioned once, by an operator.

Each service gets a database and a login role of the same name. The role owns its
database; ``CONNECT`` is revoked from ``PUBLIC``, so no other service's role can even
open a session there, let alone read a table. Postroom's tables (outbox, inbox) are
migrated by the operator's connection (it also prepares change-data capture) and granted
to the service's role; the service's own tables are created by its own migrations,
running as its role.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from postroom import migrations

__all__ = ["ServiceDatabase", "provision_database"]


@dataclass(frozen=True, slots=True)
class ServiceDatabase:
    """Where one service keeps its data.

    ``url`` connects as the service's role (asyncpg): what the service itself uses.
    ``admin_url`` connects as the operator (psycopg): for Postroom's migrations and the
    relay's replication connection, never handed to the service's code.
    """

    name: str
    role: str
    url: str
    admin_url: str

    def url_for(self, driver: str) -> str:
        """The service role's URL with another driver (``psycopg`` for plain engines)."""
        return make_url(self.url).set(drivername=f"postgresql+{driver}").render_as_string(False)


def _quoted(name: str) -> str:
    if not name.replace("_", "").isalnum() or not name[0].isalpha() or name != name.lower():
        raise ValueError(f"database/role names are lower-case identifiers, got {name!r}")
    return f'"{name}"'


def provision_database(
    admin_url: str,
    name: str,
    *,
    password: str | None = None,
    settings: migrations.MigrationSettings | None = None,
) -> ServiceDatabase:
    """Create role and database ``name`` (role owns database), migrate Postroom's tables
    (with ``settings``, e.g. the signature header column of signed events).

    ``admin_url`` is a superuser URL to any database of the server. Re-running is safe:
    an existing role gets the new password, an existing database is kept.
    """
    quoted = _quoted(name)
    password = password or secrets.token_urlsafe(18)
    if "'" in password or "\\" in password:
        raise ValueError("a role's password can't contain quotes or backslashes")
    server = make_url(migrations.sync_url(admin_url))
    engine = sa.create_engine(server, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    try:
        with engine.connect() as connection:
            role_exists = connection.execute(
                sa.text("SELECT 1 FROM pg_roles WHERE rolname = :name"), {"name": name}
            ).first()
            verb = "ALTER" if role_exists else "CREATE"
            # Passwords can't be bound parameters in DDL; this one is ours, URL-safe base64.
            connection.execute(sa.text(f"{verb} ROLE {quoted} LOGIN PASSWORD '{password}'"))
            database_exists = connection.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).first()
            if not database_exists:
                connection.execute(sa.text(f"CREATE DATABASE {quoted} OWNER {quoted}"))
            connection.execute(sa.text(f"REVOKE ALL ON DATABASE {quoted} FROM PUBLIC"))
            connection.execute(
                sa.text(f"GRANT CONNECT, TEMPORARY ON DATABASE {quoted} TO {quoted}")
            )
    finally:
        engine.dispose()
    admin = server.set(database=name).render_as_string(hide_password=False)
    migrations.upgrade(admin, settings=settings)
    _grant_postroom_tables(admin, quoted)
    own = server.set(
        drivername="postgresql+asyncpg", username=name, password=password, database=name
    ).render_as_string(hide_password=False)
    return ServiceDatabase(name=name, role=name, url=own, admin_url=admin)


def _grant_postroom_tables(admin_url: str, role: str) -> None:
    engine = sa.create_engine(admin_url, poolclass=sa.NullPool)
    try:
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"
                )
            )
            connection.execute(
                sa.text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}")
            )
    finally:
        engine.dispose()
