"""The outbox settings a database records once, when it is migrated.

Writer and relay must agree on the outbox mode, where the outbox table is, its extra
header columns, and which replication slot and publication capture it. Given twice (in
``Outbox(mode=...)`` and in the relay's configuration) they drift apart silently, so the
migration that creates Postroom's tables writes them once, as the one row of
``postroom_outbox_settings`` in the service's schema, and both sides read that row.

A table rather than a ``COMMENT``: it has typed, checked columns, any role that may
write the outbox may read it, ``pg_dump`` and backups carry it, the drift check models
it, and finding it needs no parsing (``record_schemas`` lists the schemas that hold one).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, get_args

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from postroom.outbox._modes import OutboxMode

__all__ = [
    "SETTINGS_TABLE",
    "OutboxRecord",
    "default_capture_name",
    "outbox_settings_table",
    "read_record",
    "record_schemas",
]

#: The table that holds the record, in the same schema as the outbox.
SETTINGS_TABLE = "postroom_outbox_settings"

_NOT_IDENTIFIER = re.compile(r"[^a-z0-9_]+")


def default_capture_name(database: str, schema: str | None = None) -> str:
    """The slot and publication name a migration picks: ``postroom_<database>[_<schema>]``.

    Replication slots are named per server, so the database is in the name; a service
    schema other than ``public`` is too, for services that share one database. Anything
    not allowed in a slot name becomes ``_``; names longer than 63 characters are cut.
    """
    parts = [database] + ([schema] if schema and schema != "public" else [])
    name = "postroom_" + "_".join(_NOT_IDENTIFIER.sub("_", part.lower()) for part in parts)
    return name[:63]


@dataclass(frozen=True, kw_only=True)
class OutboxRecord:
    """One database's outbox settings, as its migration recorded them.

    ``table`` is the table the mode writes to (``None`` in ``wal-message`` mode, which
    has none); ``header_columns`` maps each extra outbox column to its Kafka header.
    """

    mode: OutboxMode
    schema: str
    table: str | None
    header_columns: Mapping[str, str] = field(default_factory=dict)
    slot_name: str
    publication_name: str

    def __post_init__(self) -> None:
        frozen = MappingProxyType(dict(sorted(self.header_columns.items())))
        object.__setattr__(self, "header_columns", frozen)

    @property
    def qualified_table(self) -> str | None:
        return None if self.table is None else f"{self.schema}.{self.table}"

    @property
    def where(self) -> str:
        """Where the record itself lives, for messages: ``schema.postroom_outbox_settings``."""
        return f"{self.schema}.{SETTINGS_TABLE}"

    def as_row(self) -> dict[str, Any]:
        return {
            "id": 1,
            "mode": self.mode,
            "outbox_schema": self.schema,
            "outbox_table": self.table,
            "header_columns": dict(self.header_columns),
            "slot_name": self.slot_name,
            "publication_name": self.publication_name,
        }


def outbox_settings_table(metadata: sa.MetaData, *, schema: str | None = None) -> sa.Table:
    """Define ``postroom_outbox_settings``: at most one row (``id = 1``)."""
    modes = ", ".join(f"'{mode}'" for mode in get_args(OutboxMode))
    return sa.Table(
        SETTINGS_TABLE,
        metadata,
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
        sa.CheckConstraint("id = 1", name=f"{SETTINGS_TABLE}_one_row"),
        sa.CheckConstraint(f"mode IN ({modes})", name=f"{SETTINGS_TABLE}_mode"),
        schema=schema,
    )


_SCHEMAS = sa.text(
    "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relname = :table AND c.relkind IN ('r', 'p') ORDER BY n.nspname"
)
_ON_SEARCH_PATH = sa.text(
    "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.oid = to_regclass(:table)"
)


def record_schemas(connection: sa.Connection) -> list[str]:
    """Every schema of the connected database that holds an outbox settings record."""
    return list(connection.execute(_SCHEMAS, {"table": SETTINGS_TABLE}).scalars())


def read_record(connection: sa.Connection, schema: str | None) -> OutboxRecord | None:
    """The record in ``schema`` (``None``: the one ``search_path`` finds), or ``None``.

    Never raises for a missing table (the caller's transaction stays usable).
    """
    if schema is None:
        schema = connection.execute(_ON_SEARCH_PATH, {"table": SETTINGS_TABLE}).scalar()
        if schema is None:
            return None
    elif schema not in record_schemas(connection):
        return None
    table = outbox_settings_table(sa.MetaData(), schema=schema)
    row = connection.execute(sa.select(table)).mappings().first()
    if row is None:
        return None
    return OutboxRecord(
        mode=row["mode"],
        schema=row["outbox_schema"],
        table=row["outbox_table"],
        header_columns=row["header_columns"] or {},
        slot_name=row["slot_name"],
        publication_name=row["publication_name"],
    )
