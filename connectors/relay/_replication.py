"""Before a connector first reads: the server is ready, and the capture the migration put in
place (publication and replication slot, ``migrations.ensure_capture``) is there to adopt.

The relay never creates the slot itself: a slot made at relay start misses every event
committed before it, which is exactly what a deployment order must not decide. The
connector's mode, schema, table, header columns, slot and publication come from the
outbox settings the database recorded when it was migrated (``outbox.OutboxRecord``).
"""

from __future__ import annotations

import sqlalchemy as sa

from postroom.connectors._connector_config import ConnectorConfig
from postroom.database_errors import database_errors
from postroom.errors import MissingPrivilegeError, RelayError, SlotInUseError, WalLevelError
from postroom.outbox import SETTINGS_TABLE, OutboxRecord, read_record, record_schemas

__all__ = ["ensure_replication", "slot_active"]

_CAPTURE_FIX = "run `postroom migrate capture --database-url URL` (migrations.ensure_capture)"


def _quoted(qualified: str) -> str:
    schema, table = qualified.split(".", 1)
    return f'"{schema}"."{table}"'


def _find_record(connection: sa.Connection, config: ConnectorConfig) -> OutboxRecord:
    """The record in the connector's schema if it was given, else the one there is."""
    schemas = record_schemas(connection)
    if "schema" in config.given:
        schemas = [schema for schema in schemas if schema == config.schema]
    if len(schemas) > 1:
        raise RelayError(
            f"database {config.database!r} records several outboxes (schemas "
            f"{', '.join(schemas)}): give connector {config.name!r} its schema "
            "(ConnectorConfig(schema=...), `postroom relay --schema`)"
        )
    record = read_record(connection, schemas[0]) if schemas else None
    if record is None:
        where = f"schema {config.schema!r}" if "schema" in config.given else "any schema"
        raise RelayError(
            f"database {config.database!r} has no outbox settings record ({SETTINGS_TABLE} "
            f"in {where}): run `postroom migrate upgrade --database-url URL` "
            "(migrations.upgrade(url)) before starting the relay; it records the outbox "
            "settings and creates the replication slot the relay adopts"
        )
    return record


def _add_missing_tables(connection: sa.Connection, config: ConnectorConfig) -> None:
    """Bring the publication up to ``published_tables`` (e.g. the heartbeat table)."""
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


def _require_publication(connection: sa.Connection, config: ConnectorConfig) -> None:
    exists = connection.execute(
        sa.text("SELECT 1 FROM pg_publication WHERE pubname = :name"),
        {"name": config.publication_name},
    ).first()
    if not exists:
        raise RelayError(
            f"publication {config.publication_name!r}, which database {config.database!r} "
            f"records for its outbox, does not exist: {_CAPTURE_FIX}"
        )
    _add_missing_tables(connection, config)


def _require_slot(connection: sa.Connection, config: ConnectorConfig) -> None:
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
        raise RelayError(
            f"replication slot {config.slot_name!r}, which database {config.database!r} "
            "records for its outbox, does not exist (dropped?): events committed while it "
            f"was missing can not be relayed; {_CAPTURE_FIX} to create it again, and every "
            "event committed after that is relayed"
        )
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


def recorded_config(config: ConnectorConfig, database_url: str) -> ConnectorConfig:
    """The connector as its database recorded it, checking nothing else (for a connector
    that already runs, whose task holds the slot)."""
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    try:
        with database_errors(database_url), engine.connect() as connection:
            return config.adopt(_find_record(connection, config))
    finally:
        engine.dispose()


def ensure_replication(config: ConnectorConfig, database_url: str) -> ConnectorConfig:
    """Check the server is ready for the connector and adopt its database's capture.

    Returns the connector as the database recorded it (``ConnectorConfig.adopt``). Every
    refusal names what to do: ``WalLevelError``, ``ModeMismatchError`` (a setting
    disagrees with the record), ``MissingPrivilegeError``, ``SlotInUseError`` (held by
    another client, or in another database), ``RelayError`` (no record, slot or
    publication: the database was not migrated, or its capture was removed).
    """
    engine = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with database_errors(database_url), engine.connect() as connection:
            _require_logical_wal(connection, config)
            adopted = config.adopt(_find_record(connection, config))
            _require_tables(connection, adopted)
            _require_privileges(connection, adopted)
            _require_publication(connection, adopted)
            _require_slot(connection, adopted)
            return adopted
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
        needed.append(
            (f"{config.schema}.{config.heartbeat_table}", ", ".join(config.heartbeat_privileges))
        )
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
