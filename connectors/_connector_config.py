"""One typed description of a service's outbox connector, for both relay runtimes.

``engine_properties`` renders it for the embedded Debezium engine, ``connect_json`` for a
Kafka Connect cluster (``{"name": ..., "config": {...}}``); both carry the same connector
and transform options, named as the Debezium PostgreSQL connector and the outbox
EventRouter name them. The outbox ``mode`` (``table``, ``retain``, ``wal-message``)
changes what is captured, never where records go or what they look like.

The database records its outbox settings when it is migrated (``outbox.OutboxRecord``):
``adopt(record)`` returns the connector reading exactly that (mode, schema, table, header
columns, slot, publication). Settings left out here are taken from the record; settings
given (``given``) must agree with it, or ``ModeMismatchError`` names both values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, get_args

from sqlalchemy.engine import make_url

from postroom.errors import ConnectorConfigError, ModeMismatchError
from postroom.outbox import (
    DEFAULT_OUTBOX_TABLE,
    RETAINED_OUTBOX_TABLE,
    OutboxMode,
    OutboxRecord,
    wire,
)

__all__ = [
    "DEFAULT_HEADER_FIELDS",
    "DEFAULT_HEARTBEAT_TABLE",
    "HEARTBEAT_TOPIC_PREFIX",
    "RECORDED_SETTINGS",
    "ConnectorConfig",
    "ConnectorConfigError",
]

DEFAULT_HEARTBEAT_TABLE = "postroom_heartbeat"

#: Debezium's heartbeat records go to ``<prefix>.<connector name>`` (``topic.heartbeat.prefix``).
HEARTBEAT_TOPIC_PREFIX = "__debezium-heartbeat"

_CLEANUP_POLICIES = ("delete", "compact", "compact,delete")
_SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")

#: outbox column -> Kafka header name (the wire format's; more columns may be added).
DEFAULT_HEADER_FIELDS: dict[str, str] = dict(wire.HEADER_FIELDS)

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

#: The settings a database records when migrated; a relay takes those not given from there.
RECORDED_SETTINGS = frozenset(
    {"mode", "schema", "table", "header_fields", "slot_name", "publication_name"}
)


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
    #: TLS to PostgreSQL, as libpq names it (``from_url`` reads the URL's query):
    #: ``sslmode`` (``disable``, ``prefer``, ``require``, ``verify-ca``, ``verify-full``;
    #: empty = Debezium's default, ``prefer``) and ``sslrootcert``, the CA file.
    sslmode: str = ""
    sslrootcert: str = ""
    schema: str = "public"
    mode: OutboxMode = "table"
    table: str = ""
    slot_name: str = ""
    publication_name: str = ""
    topic_prefix: str = wire.TOPIC_PREFIX
    header_fields: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_HEADER_FIELDS))
    max_batch_size: int = 2048
    max_queue_size: int = 8192
    poll_interval_ms: int = 5
    offset_flush_interval_ms: int = 0
    heartbeat_interval_ms: int = 10_000
    heartbeat_table: str = DEFAULT_HEARTBEAT_TABLE
    topic_partitions: int = 3
    topic_replication_factor: int = 1
    topic_retention_ms: int = 7 * 24 * 3600 * 1000
    topic_cleanup_policy: str = "delete"
    aggregate_types: tuple[str, ...] = ()
    #: Which of ``RECORDED_SETTINGS`` were chosen (``from_url``: the keywords passed);
    #: ``adopt`` takes the others from the database's record.
    given: frozenset[str] = field(default=RECORDED_SETTINGS, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.mode not in get_args(OutboxMode):
            raise ConnectorConfigError(
                f"mode must be one of {', '.join(get_args(OutboxMode))}, got {self.mode!r}"
            )
        if not self.table:
            default = RETAINED_OUTBOX_TABLE if self.mode == "retain" else DEFAULT_OUTBOX_TABLE
            object.__setattr__(self, "table", default)
        for column, header in wire.HEADER_FIELDS.items():
            if self.header_fields.get(column) != header:
                raise ConnectorConfigError(
                    f"header_fields must map column {column!r} to header {header!r} (the wire "
                    f"format consumers read), got {self.header_fields.get(column)!r}; add "
                    "columns of your own under other header names"
                )
        _identifier("name", self.name)
        _identifier("heartbeat_table", self.heartbeat_table)
        for key in ("schema", "table"):
            _identifier(key, getattr(self, key))
        if not self.slot_name:
            object.__setattr__(self, "slot_name", f"postroom_{self.name}")
        if not self.publication_name:
            object.__setattr__(self, "publication_name", f"postroom_{self.name}")
        _identifier("slot_name", self.slot_name)
        _identifier("publication_name", self.publication_name)
        if self.sslmode and self.sslmode not in _SSL_MODES:
            raise ConnectorConfigError(
                f"sslmode must be one of {', '.join(_SSL_MODES)}, got {self.sslmode!r}"
            )
        if not 0 < self.port < 65536:
            raise ConnectorConfigError(f"port must be 1-65535, got {self.port}")
        for key in ("max_batch_size", "max_queue_size", "poll_interval_ms"):
            if getattr(self, key) <= 0:
                raise ConnectorConfigError(f"{key} must be positive, got {getattr(self, key)}")
        if self.max_queue_size <= self.max_batch_size:
            raise ConnectorConfigError("max_queue_size must be larger than max_batch_size")
        for key in ("heartbeat_interval_ms", "offset_flush_interval_ms"):
            if getattr(self, key) < 0:
                raise ConnectorConfigError(f"{key} must be >= 0, got {getattr(self, key)}")
        for key in ("topic_partitions", "topic_replication_factor"):
            if getattr(self, key) < 1:
                raise ConnectorConfigError(f"{key} must be >= 1, got {getattr(self, key)}")
        if self.topic_retention_ms < -1 or self.topic_retention_ms == 0:
            raise ConnectorConfigError(
                f"topic_retention_ms must be positive or -1 (forever), got "
                f"{self.topic_retention_ms}"
            )
        if self.topic_cleanup_policy not in _CLEANUP_POLICIES:
            raise ConnectorConfigError(
                f"topic_cleanup_policy must be one of {', '.join(_CLEANUP_POLICIES)}, "
                f"got {self.topic_cleanup_policy!r}"
            )
        object.__setattr__(self, "aggregate_types", tuple(self.aggregate_types))

    @classmethod
    def from_url(cls, name: str, database_url: str, **options: object) -> ConnectorConfig:
        """Build from a SQLAlchemy/libpq URL such as ``postgresql://u:p@host:5432/db``."""
        try:
            url = make_url(database_url)
        except Exception as exc:
            raise ConnectorConfigError(f"database_url is not a URL: {database_url!r}") from exc
        if not url.database or not url.host:
            raise ConnectorConfigError(f"database_url needs a host and a database: {url!r}")
        options.setdefault("given", RECORDED_SETTINGS & frozenset(options))
        return cls(
            name=name,
            host=url.host,
            port=url.port or 5432,
            database=url.database,
            user=url.username or "postgres",
            password=url.password or "",
            sslmode=str(url.query.get("sslmode", "")),
            sslrootcert=str(url.query.get("sslrootcert", "")),
            **options,  # type: ignore[arg-type]
        )

    def adopt(self, record: OutboxRecord) -> ConnectorConfig:
        """This connector reading what ``record`` says (``ModeMismatchError`` if a setting
        in ``given`` disagrees with it, naming both values)."""
        headers = {**DEFAULT_HEADER_FIELDS, **record.header_columns}
        recorded: dict[str, object] = {
            "mode": record.mode,
            "schema": record.schema,
            "slot_name": record.slot_name,
            "publication_name": record.publication_name,
        }
        if record.table is not None:
            recorded["table"] = record.table
        differ = [
            f"{key}={getattr(self, key)!r} (recorded: {value!r})"
            for key, value in recorded.items()
            if key in self.given and getattr(self, key) != value
        ]
        if "header_fields" in self.given:
            differ += [
                f"header_fields[{column!r}]={self.header_fields.get(column)!r} "
                f"(recorded: {header!r})"
                for column, header in record.header_columns.items()
                if self.header_fields.get(column) != header
            ]
        if differ:
            raise ModeMismatchError(
                f"connector {self.name!r} is configured with {', '.join(differ)}, but database "
                f"{self.database!r} was migrated for mode {record.mode!r}, outbox "
                f"{record.qualified_table or '(none: wal-message)'}, slot "
                f"{record.slot_name!r} ({record.where}); the relay refuses to start. Leave "
                "these settings out to follow the database's record"
            )
        if "header_fields" not in self.given:
            recorded["header_fields"] = headers
        return replace(self, given=RECORDED_SETTINGS, **recorded)  # type: ignore[arg-type]

    @property
    def qualified_table(self) -> str:
        return f"{self.schema}.{self.table}"

    @property
    def topics(self) -> list[str]:
        """The topics this connector routes to, one per declared aggregate type."""
        return [f"{self.topic_prefix}{kind}" for kind in self.aggregate_types]

    @property
    def heartbeat_topic(self) -> str:
        """Where Debezium writes this connector's heartbeat records (the lag view reads it)."""
        return f"{HEARTBEAT_TOPIC_PREFIX}.{self.name}"

    @property
    def heartbeat_query(self) -> str:
        """``heartbeat.action.query``: one row, inserted anew, so the slot advances on quiet
        days."""
        table = f'"{self.schema}"."{self.heartbeat_table}"'
        # An INSERT, not an upsert: the publication publishes inserts only (nothing else of
        # the outbox is ever relayed), so an UPDATE would reach no one. The old row is
        # deleted first, in the same transaction; its DELETE is not published either.
        return f"DELETE FROM {table}; INSERT INTO {table} (id, beat_at) VALUES (1, now())"

    @property
    def heartbeat_privileges(self) -> tuple[str, ...]:
        """What the relay's role needs on the heartbeat table to run ``heartbeat_query``
        (and, as before, to read its row)."""
        return ("SELECT", "INSERT", "DELETE")

    def ssl_properties(self) -> dict[str, str]:
        """``database.sslmode``/``database.sslrootcert`` when the URL set them."""
        props = {}
        if self.sslmode:
            props["database.sslmode"] = self.sslmode
        if self.sslrootcert:
            props["database.sslrootcert"] = self.sslrootcert
        return props

    def jdbc_url(self) -> str:
        """``jdbc:postgresql://host:port/database``, with the same TLS settings."""
        query = "&".join(
            f"{key}={value}"
            for key, value in (("sslmode", self.sslmode), ("sslrootcert", self.sslrootcert))
            if value
        )
        url = f"jdbc:postgresql://{self.host}:{self.port}/{self.database}"
        return f"{url}?{query}" if query else url

    def connector_properties(self) -> dict[str, str]:
        """The connector and transform options both runtimes share (no offset storage)."""
        placement = ",".join(f"{col}:header:{hdr}" for col, hdr in self.header_fields.items())
        props = {
            "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
            "database.hostname": self.host,
            "database.port": str(self.port),
            "database.user": self.user,
            "database.password": self.password,
            "database.dbname": self.database,
            **self.ssl_properties(),
            "topic.prefix": self.name,
            "plugin.name": "pgoutput",
            "slot.name": self.slot_name,
            "publication.name": self.publication_name,
            # The migration creates publication and slot (``migrations.ensure_capture``),
            # so events are captured before any relay or connector first starts.
            "publication.autocreate.mode": "disabled",
            "snapshot.mode": "no_data",
            "tombstones.on.delete": "false",
            # No ``__debezium.context.*`` headers (connector name, task, run id): they
            # describe the runtime, not the event, and would differ between runtimes.
            "extended.headers.enabled": "false",
            "transforms": "outbox",
            "transforms.outbox.type": "io.debezium.transforms.outbox.EventRouter",
            "transforms.outbox.route.topic.replacement": f"{self.topic_prefix}${{routedByValue}}",
            "transforms.outbox.table.fields.additional.placement": placement,
            # The payload travels as the JSON text PostgreSQL stored, untouched: expanding it
            # into a Connect struct infers a schema, which fails (and silently sends the
            # payload as a quoted string) for arrays mixing types, e.g. [1, 2.5, null].
            "transforms.outbox.table.expand.json.payload": "false",
            # The EventRouter would read ``tracingspancontext`` as a serialised
            # OpenTelemetry context; ours is a W3C traceparent, carried as a plain header.
            "transforms.outbox.tracing.span.context.field": "postroom_no_span_context",
            "key.converter": "org.apache.kafka.connect.storage.StringConverter",
            "key.converter.schemas.enable": "false",
            "value.converter": "org.apache.kafka.connect.storage.StringConverter",
            "value.converter.schemas.enable": "false",
            "header.converter.schemas.enable": "false",
            "max.batch.size": str(self.max_batch_size),
            "max.queue.size": str(self.max_queue_size),
            "poll.interval.ms": str(self.poll_interval_ms),
        }
        if self.mode == "wal-message":
            # No table: transactional logical messages with prefix "outbox", decoded into
            # an outbox-shaped record, then routed by the same EventRouter.
            props["message.prefix.include.list"] = wire.WAL_MESSAGE_PREFIX
            props["transforms"] = "decode,outbox"
            props["transforms.decode.type"] = (
                "io.debezium.connector.postgresql.transforms.DecodeLogicalDecodingMessageContent"
            )
            # Keep null fields (a tombstone's payload, an absent traceparent): the table
            # modes' records carry them as nulls too, and the EventRouter needs them.
            props["transforms.decode.fields.null.include"] = "true"
        else:
            props["table.include.list"] = self.qualified_table
        if self.heartbeat_interval_ms:
            props.update(self._heartbeat_properties(props))
        return props

    def _heartbeat_properties(self, props: dict[str, str]) -> dict[str, str]:
        # The heartbeat table is in the publication but not captured: a pgoutput slot
        # whose published tables see no change gets no message, so Debezium would have
        # no newer LSN to confirm however often it beats. The heartbeat row's change
        # reaches Debezium, which filters it out and confirms its LSN.
        extra = {
            "heartbeat.interval.ms": str(self.heartbeat_interval_ms),
            "heartbeat.action.query": self.heartbeat_query,
        }
        if "table.include.list" not in props:  # wal-message: capture no table at all
            extra["table.exclude.list"] = f"{self.schema}.{self.heartbeat_table}"
        return extra

    @property
    def published_tables(self) -> list[str]:
        """The tables the publication must contain, schema-qualified."""
        tables = [] if self.mode == "wal-message" else [self.qualified_table]
        if self.heartbeat_interval_ms:
            tables.append(f"{self.schema}.{self.heartbeat_table}")
        return tables

    def engine_properties(self, offsets_file: Path) -> dict[str, str]:
        """Properties for Debezium's embedded engine (file-backed source offsets)."""
        return {
            "name": self.name,
            **self.connector_properties(),
            "offset.storage": "org.apache.kafka.connect.storage.FileOffsetBackingStore",
            "offset.storage.file.filename": str(offsets_file),
            "offset.flush.interval.ms": str(self.offset_flush_interval_ms),
        }

    def connect_json(self) -> dict[str, Any]:
        """The Kafka Connect REST body: ``{"name": ..., "config": {...}}``.

        Same options as ``engine_properties`` minus offset storage, which a Connect
        worker manages itself (``offset.storage.topic``), plus ``tasks.max`` (one task:
        a replication slot has one reader).
        """
        config = {"connector.class": "", "tasks.max": "1", **self.connector_properties()}
        config["connector.class"] = "io.debezium.connector.postgresql.PostgresConnector"
        return {"name": self.name, "config": config}
