"""What a service chooses about Postroom's tables: schema, outbox name and mode, extra header
columns, and the names of the slot and publication that capture the outbox.

One frozen ``MigrationSettings`` is read by the migrations (through Alembic's
``config.attributes``) and by the drift check's models. Revision 0005 writes what it
says into the database once (``record()``, ``outbox.OutboxRecord``); from then on the
writer and the relay read that record instead of being told again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, get_args

from postroom.errors import MigrationSettingsError
from postroom.outbox import (
    DEFAULT_MODE,
    RETAINED_OUTBOX_TABLE,
    OutboxMode,
    OutboxRecord,
    default_capture_name,
)

__all__ = ["SETTINGS_ATTRIBUTE", "VERSION_TABLE", "MigrationSettings"]

#: Our version table: its own name, so it never collides with a service's ``alembic_version``.
VERSION_TABLE = "postroom_alembic_version"
#: The key under which ``MigrationSettings`` travel in ``alembic.config.Config.attributes``.
SETTINGS_ATTRIBUTE = "postroom_settings"

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
#: Columns of the outbox itself: an extra header column can not reuse these names.
_OUTBOX_COLUMNS = frozenset(
    {
        "id",
        "aggregatetype",
        "aggregateid",
        "type",
        "payload",
        "timestamp",
        "schemaversion",
        "tracingspancontext",
        "correlationid",
        "causationid",
        "subjectid",
        "tenant",
    }
)


def _identifier(setting: str, value: object) -> None:
    if not isinstance(value, str) or not _IDENTIFIER.match(value):
        raise MigrationSettingsError(
            f"{setting} must be a lower-case PostgreSQL identifier ([a-z_][a-z0-9_]*, "
            f"at most 63 characters), got {value!r}"
        )


@dataclass(frozen=True, kw_only=True)
class MigrationSettings:
    """Where Postroom's tables live in one service's database, and how the outbox looks.

    ``schema``: the service's schema (None: the connection's ``search_path``, usually
    ``public``); our version table lives there too. ``outbox_table``: the outbox's name.
    ``extra_header_columns``: extra nullable ``text`` columns of the outbox, mapped to the
    Kafka header each one becomes (e.g. ``{"region": "region"}``). ``mode``: the outbox
    mode to record (``None``: ``table`` when first recorded, and whatever is recorded
    after that). ``slot_name``, ``publication_name``: what captures the outbox (``None``:
    ``postroom_<database>[_<schema>]``, see ``outbox._record.default_capture_name``).
    """

    schema: str | None = None
    outbox_table: str = "outbox"
    extra_header_columns: Mapping[str, str] = field(default_factory=dict)
    version_table: str = VERSION_TABLE
    lock_timeout_ms: int | None = None
    mode: OutboxMode | None = None
    slot_name: str | None = None
    publication_name: str | None = None

    def __post_init__(self) -> None:
        if self.schema is not None:
            _identifier("schema", self.schema)
        _identifier("outbox_table", self.outbox_table)
        _identifier("version_table", self.version_table)
        if self.mode is not None and self.mode not in get_args(OutboxMode):
            raise MigrationSettingsError(
                f"mode must be one of {', '.join(get_args(OutboxMode))}, got {self.mode!r}"
            )
        for name in ("slot_name", "publication_name"):
            if getattr(self, name) is not None:
                _identifier(name, getattr(self, name))
        if not isinstance(self.extra_header_columns, Mapping):
            raise MigrationSettingsError(
                "extra_header_columns must map column -> header name, "
                f"got {self.extra_header_columns!r}"
            )
        for column, header in self.extra_header_columns.items():
            _identifier("extra_header_columns column", column)
            if column in _OUTBOX_COLUMNS:
                raise MigrationSettingsError(
                    f"extra_header_columns: {column!r} is already an outbox column"
                )
            if not isinstance(header, str) or not header:
                raise MigrationSettingsError(
                    f"extra_header_columns: header name for {column!r} must be a non-empty "
                    f"string, got {header!r}"
                )
        frozen = MappingProxyType(dict(sorted(self.extra_header_columns.items())))
        object.__setattr__(self, "extra_header_columns", frozen)
        if self.lock_timeout_ms is not None and (
            isinstance(self.lock_timeout_ms, bool)
            or not isinstance(self.lock_timeout_ms, int)
            or self.lock_timeout_ms <= 0
        ):
            raise MigrationSettingsError(
                f"lock_timeout_ms must be a positive integer or None, got {self.lock_timeout_ms!r}"
            )

    def record(self, *, database: str, current_schema: str) -> OutboxRecord:
        """The outbox settings to record in ``database`` (``current_schema``: where
        unqualified tables go when ``schema`` is None)."""
        mode = self.mode or DEFAULT_MODE
        tables: dict[OutboxMode, str | None] = {
            "table": self.outbox_table,
            "retain": RETAINED_OUTBOX_TABLE,
            "wal-message": None,
        }
        name = default_capture_name(database, self.schema)
        return OutboxRecord(
            mode=mode,
            schema=self.schema or current_schema,
            table=tables[mode],
            header_columns=self.extra_header_columns,
            slot_name=self.slot_name or name,
            publication_name=self.publication_name or name,
        )

    def connector_options(self) -> dict[str, Any]:
        """Keyword arguments for ``connectors.ConnectorConfig`` that match these tables.

        ``ConnectorConfig.from_url(name, url, **settings.connector_options())`` makes the
        relay read the same schema, table and header columns the migrations created.
        """
        from postroom.connectors import DEFAULT_HEADER_FIELDS

        return {
            "schema": self.schema or "public",
            "table": self.outbox_table,
            "header_fields": {**DEFAULT_HEADER_FIELDS, **self.extra_header_columns},
        }
