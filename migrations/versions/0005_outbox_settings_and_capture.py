"""Record the outbox settings once, in the database, and publish the outbox.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23

``postroom_outbox_settings`` holds one row: the outbox mode, schema, table, extra header
columns, and the names of the slot and publication that capture the outbox, written from
``MigrationSettings``. ``publish()`` and the relay read it instead of being configured
twice. The publication is created here too; the replication slot can not be (PostgreSQL
refuses to create a logical slot in a transaction that has written): ``upgrade()`` and
``postroom migrate upgrade`` create it right after this revision commits
(``migrations.ensure_capture``; ``postroom migrate capture`` on its own).

A new table, and a publication (``SHARE UPDATE EXCLUSIVE`` on the outbox tables, which
does not block writes). The downgrade drops the slot too: events not yet relayed are
then lost for the relay, so it refuses while a relay reads the slot.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import make_url

from postroom.errors import MigrationError
from postroom.migrations._revision_context import migration_settings

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _where() -> tuple[str, str]:
    """(database, schema for unqualified tables) of the migration's target."""
    if op.get_context().as_sql:
        url = op.get_context().config.get_main_option("sqlalchemy.url") or ""  # type: ignore[union-attr]
        return make_url(url).database or "postgres", "public"
    row = op.get_bind().execute(sa.text("SELECT current_database(), current_schema()")).one()
    return row[0], row[1]


def upgrade() -> None:
    settings = migration_settings()
    op.create_table(
        "postroom_outbox_settings",
        sa.Column("id", sa.SmallInteger, primary_key=True, autoincrement=False),
        sa.Column("mode", sa.Text, nullable=False),
        sa.Column("outbox_schema", sa.Text, nullable=False),
        sa.Column("outbox_table", sa.Text, nullable=True),
        sa.Column("header_columns", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("slot_name", sa.Text, nullable=False),
        sa.Column("publication_name", sa.Text, nullable=False),
        sa.Column(
            "recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.CheckConstraint("id = 1", name="postroom_outbox_settings_one_row"),
        sa.CheckConstraint(
            "mode IN ('table', 'retain', 'wal-message')", name="postroom_outbox_settings_mode"
        ),
        schema=settings.schema,
    )
    database, current_schema = _where()
    record = settings.record(database=database, current_schema=current_schema)
    target = f'"{settings.schema}".' if settings.schema else ""
    row = record.as_row()
    op.execute(
        sa.text(
            f"INSERT INTO {target}postroom_outbox_settings (id, mode, outbox_schema, "
            "outbox_table, header_columns, slot_name, publication_name) VALUES (1, :mode, "
            ":outbox_schema, :outbox_table, CAST(:header_columns AS jsonb), :slot_name, "
            ":publication_name)"
        ).bindparams(
            mode=row["mode"],
            outbox_schema=row["outbox_schema"],
            outbox_table=row["outbox_table"],
            header_columns=json.dumps(row["header_columns"]),
            slot_name=row["slot_name"],
            publication_name=row["publication_name"],
        )
    )
    if not op.get_context().as_sql:
        exists = op.get_bind().execute(
            sa.text("SELECT 1 FROM pg_publication WHERE pubname = :name"),
            {"name": record.publication_name},
        )
        if exists.first():
            return  # made by hand or by an older relay: ensure_capture adds what it lacks
    # The outbox table of the mode (none for wal-message: publications do not filter
    # logical messages) and the heartbeat table (its changes move a quiet slot on).
    schema = record.schema
    tables = [] if record.table is None else [f'"{schema}"."{record.table}"']
    tables.append(f'"{schema}"."postroom_heartbeat"')
    ddl = f'CREATE PUBLICATION "{record.publication_name}" FOR TABLE {", ".join(tables)}'
    if record.mode == "retain":  # partitioned: changes published under the root's name
        ddl += " WITH (publish_via_partition_root = true)"
    op.execute(ddl)


def downgrade() -> None:
    settings = migration_settings()
    if op.get_context().as_sql:
        database, current_schema = _where()
        record = settings.record(database=database, current_schema=current_schema)
        slot, publication = record.slot_name, record.publication_name
    else:
        target = f'"{settings.schema}".' if settings.schema else ""
        slot, publication = (
            op.get_bind()
            .execute(
                sa.text(f"SELECT slot_name, publication_name FROM {target}postroom_outbox_settings")
            )
            .one()
        )
        reader = op.get_bind().execute(
            sa.text("SELECT active_pid FROM pg_replication_slots WHERE slot_name = :name"),
            {"name": slot},
        )
        pid = reader.scalar()
        if pid is not None:
            raise MigrationError(
                f"replication slot {slot!r} is being read by a relay (backend PID {pid}): "
                "stop it before removing the outbox's capture"
            )
    op.execute(
        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
        f"WHERE slot_name = '{slot}'"
    )
    op.execute(f'DROP PUBLICATION IF EXISTS "{publication}"')
    op.drop_table("postroom_outbox_settings", schema=settings.schema)
