"""What a service chooses about Postroom's tables: schema, outbox name, extra header columns.

One frozen ``MigrationSettings`` is read by the migrations (through Alembic's
``config.attributes``), by the drift check's models, and, through
``connector_options()``, by the relay's ``connectors.ConnectorConfig``, so all three
agree on the same table and the same header columns.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from postroom.errors import MigrationSettingsError

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
    Kafka header each one becomes (e.g. ``{"region": "region"}``).
    """

    schema: str | None = None
    outbox_table: str = "outbox"
    extra_header_columns: Mapping[str, str] = field(default_factory=dict)
    version_table: str = VERSION_TABLE
    lock_timeout_ms: int | None = None

    def __post_init__(self) -> None:
        if self.schema is not None:
            _identifier("schema", self.schema)
        _identifier("outbox_table", self.outbox_table)
        _identifier("version_table", self.version_table)
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
