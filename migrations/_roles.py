"""Least-privilege database roles for the relay: stream the outbox, touch nothing else.

``relay_role_statements`` is the SQL (for operators who run their own), and
``grant_relay_role`` runs it on a migrated database as the operator. The role gets:

- ``LOGIN REPLICATION`` (a logical replication connection to read the slot) and
  ``CONNECT`` on this one database; no superuser, no ``CREATEDB``/``CREATEROLE``;
- ``USAGE`` on the outbox's schema and ``SELECT`` on Postroom's outbox settings record
  and the published outbox table (nothing to select in ``wal-message`` mode);
- ``SELECT``/``INSERT``/``DELETE`` on the heartbeat table alone (it is published, and
  ``heartbeat.action.query`` deletes its one row and inserts it anew).

No privilege on any business table: the relay can't read, let alone write, the service's
own data. The publication and the slot are made by the migration (``ensure_capture``),
as the operator, so the role needs no ownership of either.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa

from postroom.connectors import ConnectorConfig
from postroom.database_url import parse_database_url, sync_url
from postroom.errors import MigrationSettingsError
from postroom.outbox import SETTINGS_TABLE

__all__ = ["grant_relay_role", "relay_role_statements"]


def _identifier(value: str) -> str:
    if not value or not value.replace("_", "").isalnum() or not value[0].isalpha():
        raise MigrationSettingsError(f"a role or database name must be an identifier: {value!r}")
    return f'"{value}"'


def relay_role_statements(role: str, config: ConnectorConfig, *, password: str) -> list[str]:
    """The statements giving ``role`` what the relay of ``config`` needs, and no more."""
    if "'" in password or "\\" in password:
        raise MigrationSettingsError("a role's password can't contain quotes or backslashes")
    quoted, schema = _identifier(role), _identifier(config.schema)
    statements = [
        f"GRANT CONNECT ON DATABASE {_identifier(config.database)} TO {quoted}",
        f"GRANT USAGE ON SCHEMA {schema} TO {quoted}",
        f"GRANT SELECT ON {schema}.{_identifier(SETTINGS_TABLE)} TO {quoted}",
    ]
    if config.mode != "wal-message":
        statements.append(f"GRANT SELECT ON {schema}.{_identifier(config.table)} TO {quoted}")
    if config.heartbeat_interval_ms:
        statements.append(
            f"GRANT {', '.join(config.heartbeat_privileges)} ON "
            f"{schema}.{_identifier(config.heartbeat_table)} TO {quoted}"
        )
    return statements


def grant_relay_role(
    admin_url: str, role: str, *, password: str | None = None, schema: str = "public"
) -> str:
    """Create (or re-grant) ``role`` for the relay of the migrated database at
    ``admin_url`` (a superuser's URL); returns the relay's URL, with the password.

    The outbox's mode and table come from the database's own record."""
    from postroom.connectors.relay import recorded_config

    url = parse_database_url(sync_url(admin_url))
    password = password or secrets.token_urlsafe(18)
    base = ConnectorConfig.from_url("relay", sync_url(admin_url), schema=schema)
    config = recorded_config(base, sync_url(admin_url))
    grants = relay_role_statements(role, config, password=password)  # checks the password
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    quoted = _identifier(role)
    try:
        with engine.connect() as connection:
            exists = connection.execute(
                sa.text("SELECT 1 FROM pg_roles WHERE rolname = :name"), {"name": role}
            ).first()
            verb = "ALTER" if exists else "CREATE"
            # Passwords can't be bound parameters in DDL; checked for quotes above.
            connection.execute(
                sa.text(
                    f"{verb} ROLE {quoted} LOGIN REPLICATION NOSUPERUSER NOCREATEDB "
                    f"NOCREATEROLE PASSWORD '{password}'"
                )
            )
            for statement in grants:
                connection.execute(sa.text(statement))
    finally:
        engine.dispose()
    return url.set(username=role, password=password).render_as_string(hide_password=False)
