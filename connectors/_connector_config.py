"""One typed description of a service's outbox connector, rendered to Debezium properties.

The same model will render Kafka Connect JSON (see DESIGN.md); the property names are
the Debezium PostgreSQL connector's and the outbox EventRouter's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url

from outbox._errors import PostroomError

__all__ = ["DEFAULT_HEADER_FIELDS", "ConnectorConfig", "ConnectorConfigError"]

#: outbox column -> Kafka header name, placed by ``table.fields.additional.placement``.
DEFAULT_HEADER_FIELDS: dict[str, str] = {
    "type": "eventType",
    "timestamp": "timestamp",
    "schemaversion": "schemaVersion",
    "tracingspancontext": "traceparent",
    "correlationid": "correlationId",
    "causationid": "causationId",
    "subjectid": "subjectId",
    "tenant": "tenant",
}

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class ConnectorConfigError(PostroomError, ValueError):
    """A connector setting is invalid; the message names the setting."""


def _identifier(name: str, value: str) -> None:
    if not _IDENTIFIER.match(value):
        raise ConnectorConfigError(
            f"{name} must be a lower-case PostgreSQL identifier ([a-z_][a-z0-9_]*, "
            f"at most 63 characters), got {value!r}"
        )


@dataclass(frozen=True, kw_only=True)
class ConnectorConfig:
    """How Debezium reads one service's outbox table and routes it to topics."""

    name: str
    host: str
    port: int
    database: str
    user: str = "postgres"
    password: str = ""
    schema: str = "public"
    table: str = "outbox"
    slot_name: str = ""
    publication_name: str = ""
    topic_prefix: str = "outbox.event."
    header_fields: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_HEADER_FIELDS))
    max_batch_size: int = 2048
    max_queue_size: int = 8192
    poll_interval_ms: int = 5
    offset_flush_interval_ms: int = 0

    def __post_init__(self) -> None:
        _identifier("name", self.name)
        for key in ("schema", "table"):
            _identifier(key, getattr(self, key))
        if not self.slot_name:
            object.__setattr__(self, "slot_name", f"postroom_{self.name}")
        if not self.publication_name:
            object.__setattr__(self, "publication_name", f"postroom_{self.name}")
        _identifier("slot_name", self.slot_name)
        _identifier("publication_name", self.publication_name)
        if not 0 < self.port < 65536:
            raise ConnectorConfigError(f"port must be 1-65535, got {self.port}")
        for key in ("max_batch_size", "max_queue_size", "poll_interval_ms"):
            if getattr(self, key) <= 0:
                raise ConnectorConfigError(f"{key} must be positive, got {getattr(self, key)}")
        if self.max_queue_size <= self.max_batch_size:
            raise ConnectorConfigError("max_queue_size must be larger than max_batch_size")

    @classmethod
    def from_url(cls, name: str, database_url: str, **options: object) -> ConnectorConfig:
        """Build from a SQLAlchemy/libpq URL such as ``postgresql://u:p@host:5432/db``."""
        try:
            url = make_url(database_url)
        except Exception as exc:
            raise ConnectorConfigError(f"database_url is not a URL: {database_url!r}") from exc
        if not url.database or not url.host:
            raise ConnectorConfigError(f"database_url needs a host and a database: {url!r}")
        return cls(
            name=name,
            host=url.host,
            port=url.port or 5432,
            database=url.database,
            user=url.username or "postgres",
            password=url.password or "",
            **options,  # type: ignore[arg-type]
        )

    @property
    def qualified_table(self) -> str:
        return f"{self.schema}.{self.table}"

    def engine_properties(self, offsets_file: Path) -> dict[str, str]:
        """Properties for Debezium's embedded engine (file-backed source offsets)."""
        placement = ",".join(f"{col}:header:{hdr}" for col, hdr in self.header_fields.items())
        props = {
            "name": self.name,
            "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
            "database.hostname": self.host,
            "database.port": str(self.port),
            "database.user": self.user,
            "database.password": self.password,
            "database.dbname": self.database,
            "topic.prefix": self.name,
            "plugin.name": "pgoutput",
            "slot.name": self.slot_name,
            "publication.name": self.publication_name,
            # The relay creates the publication itself (``ensure_replication``), so that
            # the slot exists, and events are captured, before the engine first starts.
            "publication.autocreate.mode": "disabled",
            "table.include.list": self.qualified_table,
            "snapshot.mode": "no_data",
            "tombstones.on.delete": "false",
            "transforms": "outbox",
            "transforms.outbox.type": "io.debezium.transforms.outbox.EventRouter",
            "transforms.outbox.route.topic.replacement": f"{self.topic_prefix}${{routedByValue}}",
            "transforms.outbox.table.fields.additional.placement": placement,
            "transforms.outbox.table.expand.json.payload": "true",
            "key.converter": "org.apache.kafka.connect.storage.StringConverter",
            "key.converter.schemas.enable": "false",
            "value.converter": "org.apache.kafka.connect.json.JsonConverter",
            "value.converter.schemas.enable": "false",
            "header.converter.schemas.enable": "false",
            "offset.storage": "org.apache.kafka.connect.storage.FileOffsetBackingStore",
            "offset.storage.file.filename": str(offsets_file),
            "offset.flush.interval.ms": str(self.offset_flush_interval_ms),
            "max.batch.size": str(self.max_batch_size),
            "max.queue.size": str(self.max_queue_size),
            "poll.interval.ms": str(self.poll_interval_ms),
        }
        return props
