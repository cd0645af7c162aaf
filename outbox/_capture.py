"""Is this outbox captured? What ``publish()`` checks before its first write to a database.

An event is only ever relayed if a logical replication slot existed when it was
committed: without one, PostgreSQL recycles the WAL that carried it, and a relay started
later never sees it. The migration that creates Postroom's tables records the outbox
settings and creates the publication and slot (``migrations.ensure_capture``); this module
reads that record and refuses, naming the fix, when any of it is missing.

Tests that never start a relay may opt out: ``Outbox(require_capture=False)``, or
``POSTROOM_REQUIRE_CAPTURE=0`` in the environment for code that publishes through the
default outbox. Nothing else turns the check off.
"""

from __future__ import annotations

import os

import sqlalchemy as sa

from postroom.errors import CaptureMissingError
from postroom.outbox._record import SETTINGS_TABLE, OutboxRecord

__all__ = ["REQUIRE_CAPTURE_ENV", "capture_required", "missing_capture", "require_capture"]

#: ``0``/``false``/``no`` turns the capture check off for the default outbox (tests only).
REQUIRE_CAPTURE_ENV = "POSTROOM_REQUIRE_CAPTURE"

_FIX = (
    "Run `postroom migrate capture --database-url URL` (or `migrations.ensure_capture(url)`), "
    "which creates what is missing; a relay started later relays every event from then on"
)

_STATE = sa.text(
    """
    SELECT
      EXISTS (SELECT 1 FROM pg_replication_slots
              WHERE slot_name = :slot AND slot_type = 'logical'
                AND database = current_database()) AS slot,
      EXISTS (SELECT 1 FROM pg_publication WHERE pubname = :publication) AS publication,
      CAST(:tablename AS text) IS NULL OR EXISTS (
        SELECT 1 FROM pg_publication_tables
        WHERE pubname = :publication AND schemaname = :schema AND tablename = :tablename
      ) AS published
    """
)


def capture_required(explicit: bool | None) -> bool:
    """``explicit`` if given, else what ``POSTROOM_REQUIRE_CAPTURE`` says (default: yes)."""
    if explicit is not None:
        return explicit
    value = os.environ.get(REQUIRE_CAPTURE_ENV, "1").strip().lower()
    return value not in {"0", "false", "no", "off"}


def missing_capture(connection: sa.Connection, record: OutboxRecord) -> list[str]:
    """What of ``record``'s capture is missing in the connected database ([] if none)."""
    state = connection.execute(
        _STATE,
        {
            "slot": record.slot_name,
            "publication": record.publication_name,
            "schema": record.schema,
            "tablename": record.table,
        },
    ).one()
    missing = []
    if not state.slot:
        missing.append(f"replication slot {record.slot_name!r} does not exist")
    if not state.publication:
        missing.append(f"publication {record.publication_name!r} does not exist")
    elif not state.published:
        missing.append(
            f"publication {record.publication_name!r} does not publish {record.qualified_table}"
        )
    return missing


def require_capture(
    connection: sa.Connection, record: OutboxRecord | None, *, schema: str | None
) -> OutboxRecord:
    """``record``, if its slot and publication are in place; else ``CaptureMissingError``."""
    database = connection.execute(sa.text("SELECT current_database()")).scalar_one()
    if record is None:
        where = f"{schema}.{SETTINGS_TABLE}" if schema else f"{SETTINGS_TABLE} on the search_path"
        raise CaptureMissingError(
            f"database {database!r} has no outbox settings record ({where}): nothing "
            "guarantees that an event written now is ever relayed, so nothing was written "
            "and the transaction was rolled back. Run `postroom migrate upgrade "
            "--database-url URL` (or `migrations.upgrade(url)`): it records the outbox "
            "mode and creates the publication and replication slot the relay adopts. "
            "Tests that never relay may use Outbox(require_capture=False)"
        )
    missing = missing_capture(connection, record)
    if missing:
        raise CaptureMissingError(
            f"database {database!r} records outbox mode {record.mode!r} ({record.where}), "
            f"but its {' and its '.join(missing)}: an event written now would never reach "
            f"Kafka, so nothing was written and the transaction was rolled back. {_FIX}"
        )
    return record
