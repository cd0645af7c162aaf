"""Where the embedded relay keeps Debezium's source offsets: a file, the database, or Kafka.

- ``file`` (the default): ``<state_dir>/<connector>.offsets``, Kafka Connect's
  ``FileOffsetBackingStore``. Needs nothing from the service's database beyond what
  streaming needs (REPLICATION and SELECT on the outbox), so the relay's role stays
  least-privileged; the state directory must survive restarts.
- ``database``: a table in the service's own database (Debezium's
  ``JdbcOffsetBackingStore``, ``offset.storage.jdbc.*``), ``postroom_offsets_<connector>``
  in the connecting role's default schema, created by Debezium on first start. A relay
  moved to another machine, or whose disk was lost, resumes where it stopped. The role
  needs CREATE on the schema (or the table made beforehand) and INSERT/DELETE on it.
  Debezium rewrites the whole table on each flush, hence one table per connector.
- ``kafka``: a compacted topic ``postroom-offsets-<connector>`` on the relay's Kafka
  cluster (Kafka Connect's ``KafkaOffsetBackingStore``), as a Connect worker keeps them.

The relay's identity check (offsets read from another database are refused) covers the
file store; the database store is in the database it describes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, get_args

from postroom.connectors._connector_config import ConnectorConfig
from postroom.errors import ConnectorConfigError

__all__ = ["OFFSET_STORES", "OffsetStore", "offset_store_properties", "offsets_table"]

OffsetStore = Literal["file", "database", "kafka"]
OFFSET_STORES: tuple[OffsetStore, ...] = get_args(OffsetStore)


def offsets_table(connector: ConnectorConfig) -> str:
    """The table the ``database`` store keeps ``connector``'s offsets in."""
    table = f"postroom_offsets_{connector.name}"
    if len(table) > 63:
        raise ConnectorConfigError(
            f"connector name {connector.name!r} is too long for the database offset store "
            f"(table {table!r} exceeds PostgreSQL's 63 characters): at most 46 characters"
        )
    return table


def offset_store_properties(
    store: OffsetStore,
    connector: ConnectorConfig,
    *,
    offsets_file: Path,
    bootstrap_servers: str,
) -> dict[str, str]:
    """The engine's ``offset.storage*`` properties for ``store``."""
    if store == "file":
        return {
            "offset.storage": "org.apache.kafka.connect.storage.FileOffsetBackingStore",
            "offset.storage.file.filename": str(offsets_file),
        }
    if store == "database":
        return {
            "offset.storage": "io.debezium.storage.jdbc.offset.JdbcOffsetBackingStore",
            "offset.storage.jdbc.connection.url": connector.jdbc_url(),
            "offset.storage.jdbc.connection.user": connector.user,
            # The store insists on a password; with trust authentication (no password)
            # the server never asks for it, so any placeholder does.
            "offset.storage.jdbc.connection.password": connector.password or "unused",
            "offset.storage.jdbc.table.name": offsets_table(connector),
        }
    if store == "kafka":
        return {
            "offset.storage": "org.apache.kafka.connect.storage.KafkaOffsetBackingStore",
            "offset.storage.topic": f"postroom-offsets-{connector.name}",
            "offset.storage.partitions": "1",
            "offset.storage.replication.factor": "-1",  # the brokers' default
            "bootstrap.servers": bootstrap_servers,
        }
    raise ConnectorConfigError(
        f"offset store must be one of {', '.join(OFFSET_STORES)}, got {store!r}"
    )
