"""The replication slot and publication a connector reads, created before it first runs.

Creating the slot up front (rather than letting Debezium create it on first start) makes
"ready" exact: every transaction that commits after ``ensure_replication`` returns is in
the slot, whenever the relay gets to it.
"""

from __future__ import annotations

import sqlalchemy as sa

from postroom.connectors._connector_config import ConnectorConfig
from postroom.errors import MissingPrivilegeError, RelayError, SlotInUseError, WalLevelError

__all__ = ["ensure_replication", "publication_ddl", "slot_active"]


def publication_ddl(config: ConnectorConfig) -> str:
    """``CREATE PUBLICATION`` for the connector's outbox mode.

    ``retain`` publishes a partitioned table: ``publish_via_partition_root`` makes its
    changes appear under the root table's name (Debezium's ``table.include.list``), not
    under each daily partition. ``wal-message`` needs a publication for pgoutput to run,
    but no outbox table: logical messages are not filtered by publications. With
    heartbeats on, the heartbeat table is published too (see ``ConnectorConfig``).
    """
    name = f'"{config.publication_name}"'
    tables = ", ".join(_quoted(table) for table in config.published_tables)
    if not tables:
        return f"CREATE PUBLICATION {name}"
    ddl = f"CREATE PUBLICATION {name} FOR TABLE {tables}"
    if config.mode == "retain":
        ddl += " WITH (publish_via_partition_root = true)"
    return ddl


def _quoted(qualified: str) -> str:
    schema, table = qualified.split(".", 1)
    return f'"{schema}"."{table}"'


def _add_missing_tables(connection: sa.Connection, config: ConnectorConfig) -> None:
    """Bring a publication made by an older Postroom up to ``published_tables``."""
    present = {
        f"{schema}.{table}"
        for schema, table in connection.execute(
            sa.text("SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = :n"),
            {"n": config.publication_name},
        )
    }
    for table in config.published_tables:
        if table not in present:
            connection.execute(
                sa.text(f'ALTER PUBLICATION "{config.publication_name}" ADD TABLE {_quoted(table)}')
            )


def _require_tables(connection: sa.Connection, config: ConnectorConfig) -> None:
    for table in config.published_tables:
        if connection.execute(sa.text("SELECT to_regclass(:t)"), {"t": table}).scalar() is None:
            hint = (
                " (or set heartbeat_interval_ms=0)"
                if table.endswith(f".{config.heartbeat_table}")
                else ""
            )
            where = "" if config.schema == "public" else f" --schema {config.schema}"
            raise RelayError(
                f"table {table} does not exist in database {config.database!r}: run "
                f"`postroom migrate upgrade --database-url URL{where}` (migrations.upgrade) "
                "before starting the relay, or give the relay the outbox's schema and table "
                f"(`postroom relay --schema --table`, ConnectorConfig(schema=, table=)){hint}"
            )


def ensure_replication(config: ConnectorConfig, database_url: str) -> None:
    """Check the server is ready for the connector, then create publication and slot.

    Every refusal names what to do: ``WalLevelError``, ``MissingPrivilegeError``,
    ``SlotInUseError`` (held by another client, or created in another database).
    """
    engine = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            _require_logical_wal(connection, config)
            _require_tables(connection, config)
            _require_privileges(connection, config)
            has_publication = connection.execute(
                sa.text("SELECT 1 FROM pg_publication WHERE pubname = :name"),
                {"name": config.publication_name},
            ).first()
            if not has_publication:
                connection.execute(sa.text(publication_ddl(config)))
            else:
                _add_missing_tables(connection, config)
            slot = connection.execute(
                sa.text(
                    "SELECT s.database, s.active_pid, r.client_addr, r.application_name "
                    "FROM pg_replication_slots s "
                    "LEFT JOIN pg_stat_replication r ON r.pid = s.active_pid "
                    "WHERE s.slot_name = :name"
                ),
                {"name": config.slot_name},
            ).first()
            if slot is None:
                connection.execute(
                    sa.text("SELECT pg_create_logical_replication_slot(:name, 'pgoutput')"),
                    {"name": config.slot_name},
                )
                return
            database, pid, address, application = slot
            if database != config.database:
                raise SlotInUseError(
                    f"replication slot {config.slot_name!r} belongs to database {database!r}, "
                    f"not {config.database!r}: give this connector its own slot_name",
                    retriable=False,
                )
            if pid is not None:
                raise SlotInUseError(
                    f"replication slot {config.slot_name!r} on database {config.database!r} is "
                    f"held by another consumer (backend PID {pid}, client "
                    f"{address or 'local'}, application {application or '?'}): stop that relay "
                    "first (a slot has exactly one reader), or give this connector its own "
                    "slot_name"
                )
    finally:
        engine.dispose()


def _require_logical_wal(connection: sa.Connection, config: ConnectorConfig) -> None:
    wal_level = connection.execute(sa.text("SHOW wal_level")).scalar_one()
    if wal_level != "logical":
        raise WalLevelError(
            f"database {config.database!r} on {config.host}:{config.port} runs with "
            f"wal_level={wal_level}; Debezium needs wal_level=logical: run "
            "ALTER SYSTEM SET wal_level = logical; then restart PostgreSQL"
        )


def _require_privileges(connection: sa.Connection, config: ConnectorConfig) -> None:
    role = connection.execute(
        sa.text("SELECT rolsuper, rolreplication FROM pg_roles WHERE rolname = :user"),
        {"user": config.user},
    ).first()
    if role is None:
        raise MissingPrivilegeError(
            f"role {config.user!r} (database.user) does not exist in {config.database!r}"
        )
    superuser, replication = role
    if not (superuser or replication):
        raise MissingPrivilegeError(
            f"role {config.user!r} may not stream changes from {config.database!r}: run "
            f'ALTER ROLE "{config.user}" WITH REPLICATION'
        )
    if superuser:
        return
    needed = [(table, "SELECT") for table in config.published_tables]
    if config.heartbeat_interval_ms:
        needed.append((f"{config.schema}.{config.heartbeat_table}", "INSERT, UPDATE"))
    for table, privilege in needed:
        for single in privilege.split(", "):
            allowed = connection.execute(
                sa.text("SELECT has_table_privilege(:user, :table, :privilege)"),
                {"user": config.user, "table": table, "privilege": single},
            ).scalar()
            if not allowed:
                raise MissingPrivilegeError(
                    f"role {config.user!r} lacks {single} on {table}: run "
                    f'GRANT {privilege} ON {_quoted(table)} TO "{config.user}"'
                )


def slot_active(connection: sa.Connection, slot_name: str) -> bool:
    """Whether a replication client (the relay's engine) currently holds ``slot_name``."""
    active = connection.execute(
        sa.text("SELECT active FROM pg_replication_slots WHERE slot_name = :name"),
        {"name": slot_name},
    ).scalar()
    connection.rollback()  # a fresh snapshot of pg_replication_slots on the next look
    return bool(active)
