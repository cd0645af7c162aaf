"""Capture: the publication and the logical replication slot that keep every outbox event.

Revision 0005 records the outbox settings and creates the publication inside its
transaction. The slot can not be made there: PostgreSQL refuses
``pg_create_logical_replication_slot`` in a transaction that has written, and creating a
logical slot waits until every transaction running at that moment has ended, the
migration's own included. So ``ensure_capture`` runs after the revisions committed, on a
connection of its own in autocommit mode; ``migrations.upgrade()`` and ``postroom migrate
upgrade`` call it, and ``postroom migrate capture`` runs it alone (after a service's own
Alembic run that includes our revisions as a branch).

From the moment the slot exists, PostgreSQL keeps every committed outbox change for it:
a relay started hours later adopts this slot and relays them all.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from postroom.connectors import DEFAULT_HEARTBEAT_TABLE
from postroom.errors import CaptureSetupError, MigrationError, MigrationSettingsError
from postroom.migrations._api import mapped_errors, resolve_settings, sync_url
from postroom.migrations._settings import MigrationSettings
from postroom.outbox import OutboxRecord, read_record

__all__ = ["CaptureReport", "ensure_capture", "publication_ddl", "published_tables"]

_QUERY_CANCELED = "57014"
_DUPLICATE_OBJECT = "42710"


@dataclass(frozen=True)
class CaptureReport:
    """What ``ensure_capture`` found or made."""

    record: OutboxRecord
    created_publication: bool
    created_slot: bool


def _quoted(schema: str, table: str) -> str:
    return f'"{schema}"."{table}"'


def published_tables(record: OutboxRecord) -> list[tuple[str, str]]:
    """(schema, table) of what the publication holds: the outbox table of the mode (none
    in ``wal-message``: logical messages are not filtered by publications) and the
    heartbeat table, whose changes move a quiet slot forward (see docs/relay.md)."""
    tables = [] if record.table is None else [(record.schema, record.table)]
    return [*tables, (record.schema, DEFAULT_HEARTBEAT_TABLE)]


def publication_ddl(record: OutboxRecord) -> str:
    """``CREATE PUBLICATION`` for ``record``.

    Inserts only: an outbox event is an inserted row (``table`` deletes it in the same
    transaction, ``retain`` drops it with its partition later), so deletes and updates
    would only be decoded, sent and dropped again by the EventRouter; leaving them out
    halves what a ``table``-mode relay reads. ``retain`` publishes a partitioned table:
    ``publish_via_partition_root`` makes its changes appear under the root table's name
    (what the relay's ``table.include.list`` names), not under each daily partition's.
    """
    tables = ", ".join(_quoted(schema, table) for schema, table in published_tables(record))
    ddl = f'CREATE PUBLICATION "{record.publication_name}" FOR TABLE {tables}'
    options = ["publish = 'insert'"]
    if record.mode == "retain":
        options.append("publish_via_partition_root = true")
    return f"{ddl} WITH ({', '.join(options)})"


def _ensure_publication(connection: sa.Connection, record: OutboxRecord) -> bool:
    exists = connection.execute(
        sa.text("SELECT 1 FROM pg_publication WHERE pubname = :name"),
        {"name": record.publication_name},
    ).first()
    if not exists:
        connection.execute(sa.text(publication_ddl(record)))
        return True
    # Revision 0005 (and earlier releases of this function) made the publication publish
    # every operation: narrow it to inserts, as ``publication_ddl`` does.
    connection.execute(
        sa.text(f"ALTER PUBLICATION \"{record.publication_name}\" SET (publish = 'insert')")
    )
    present = {
        (schema, table)
        for schema, table in connection.execute(
            sa.text("SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = :n"),
            {"n": record.publication_name},
        )
    }
    for schema, table in published_tables(record):
        if (schema, table) not in present:
            connection.execute(
                sa.text(
                    f'ALTER PUBLICATION "{record.publication_name}" '
                    f"ADD TABLE {_quoted(schema, table)}"
                )
            )
    return False


def _require_logical_wal(connection: sa.Connection, database: str) -> None:
    level = connection.execute(sa.text("SHOW wal_level")).scalar_one()
    if level != "logical":
        raise CaptureSetupError(
            f"database {database!r} runs with wal_level={level}: no logical replication slot "
            "can capture its outbox. Postroom's tables are migrated; run ALTER SYSTEM SET "
            "wal_level = logical, restart PostgreSQL, then `postroom migrate capture "
            "--database-url URL`. (Tests that never relay: upgrade(url, capture=False) and "
            "Outbox(require_capture=False).)"
        )


def _running_transactions(connection: sa.Connection) -> str:
    rows = connection.execute(
        sa.text(
            "SELECT pid, datname, coalesce(application_name, ''), "
            "to_char(now() - xact_start, 'HH24:MI:SS') FROM pg_stat_activity "
            "WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid() "
            "ORDER BY xact_start LIMIT 5"
        )
    ).all()
    return "; ".join(
        f"pid {pid} on {db!r} ({app or 'no application_name'}, open {age})"
        for pid, db, app, age in rows
    )


def _ensure_slot(
    connection: sa.Connection, record: OutboxRecord, database: str, timeout_s: float
) -> bool:
    found = connection.execute(
        sa.text(
            "SELECT database, plugin, slot_type FROM pg_replication_slots WHERE slot_name = :n"
        ),
        {"n": record.slot_name},
    ).first()
    if found is None:
        connection.execute(sa.text(f"SET statement_timeout = {int(timeout_s * 1000)}"))
        try:
            connection.execute(
                sa.text("SELECT pg_create_logical_replication_slot(:n, 'pgoutput')"),
                {"n": record.slot_name},
            )
            return True
        except sa.exc.DBAPIError as exc:
            state = getattr(exc.orig, "sqlstate", None)
            if state == _QUERY_CANCELED:
                raise CaptureSetupError(
                    f"creating replication slot {record.slot_name!r} waited {timeout_s:.0f} s "
                    "for transactions that were running to end (a logical slot starts after "
                    f"every running transaction): {_running_transactions(connection)}. "
                    "Postroom's tables are migrated; end or wait for those transactions, "
                    "then run `postroom migrate capture --database-url URL`",
                    retriable=True,
                ) from exc
            if state != _DUPLICATE_OBJECT:  # made at the same moment by another migration
                raise
            return _ensure_slot(connection, record, database, timeout_s)
        finally:
            connection.execute(sa.text("RESET statement_timeout"))
    slot_database, plugin, slot_type = found
    if slot_database != database or slot_type != "logical" or plugin != "pgoutput":
        raise CaptureSetupError(
            f"replication slot {record.slot_name!r} already exists for database "
            f"{slot_database!r} ({slot_type}, {plugin}), so it can not capture the outbox "
            f"of {database!r} recorded in {record.where}. Downgrade to revision 0004 and "
            "upgrade again with another MigrationSettings(slot_name=...)"
        )
    return False


def _check_agrees(settings: MigrationSettings, record: OutboxRecord) -> None:
    given = {
        "mode": (settings.mode, record.mode),
        "slot_name": (settings.slot_name, record.slot_name),
        "publication_name": (settings.publication_name, record.publication_name),
    }
    differ = [
        f"{name}={mine!r} (recorded: {theirs!r})"
        for name, (mine, theirs) in given.items()
        if mine is not None and mine != theirs
    ]
    if differ:
        raise MigrationSettingsError(
            f"{', '.join(differ)}: the outbox settings are recorded once, in {record.where}, "
            "when the database is first migrated, and writer and relay follow them; "
            "changing them on a live outbox is not a migration setting (see "
            "docs/migrations.md, 'Capture')"
        )


def ensure_capture(
    database_url: str,
    *,
    schema: str | None = None,
    settings: MigrationSettings | None = None,
    timeout_s: float = 60.0,
) -> CaptureReport:
    """Create the publication and the replication slot the database's record names.

    Idempotent: what exists is checked and kept. Needs revision 0005 (the record); raises
    ``CaptureSetupError`` when ``wal_level`` is not ``logical``, when other transactions
    keep the slot waiting longer than ``timeout_s`` (retriable), or when the slot's name is
    taken by another database.
    """
    resolved = resolve_settings(schema, settings)
    engine = sa.create_engine(
        sync_url(database_url), isolation_level="AUTOCOMMIT", poolclass=sa.NullPool
    )
    try:
        with mapped_errors("capture"), engine.connect() as connection:
            database = connection.execute(sa.text("SELECT current_database()")).scalar_one()
            record = read_record(connection, resolved.schema)
            if record is None:
                raise MigrationError(
                    f"database {database!r} has no outbox settings record"
                    f"{f' in schema {resolved.schema!r}' if resolved.schema else ''}: upgrade "
                    "Postroom's tables to head first (revision 0005 records them)"
                )
            _check_agrees(resolved, record)
            _require_logical_wal(connection, database)
            created_publication = _ensure_publication(connection, record)
            created_slot = _ensure_slot(connection, record, database, timeout_s)
            return CaptureReport(record, created_publication, created_slot)
    finally:
        engine.dispose()


def has_record(database_url: str, settings: MigrationSettings) -> bool:
    """Whether revision 0005 recorded the outbox settings (in ``settings.schema``)."""
    engine = sa.create_engine(sync_url(database_url), poolclass=sa.NullPool)
    try:
        with mapped_errors("capture"), engine.connect() as connection:
            return read_record(connection, settings.schema) is not None
    finally:
        engine.dispose()
