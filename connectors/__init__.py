"""Everything between database and Kafka: connector model, embedded relay, topics, stack."""

from connectors._connector_config import (
    DEFAULT_HEADER_FIELDS,
    DEFAULT_HEARTBEAT_TABLE,
    ConnectorConfig,
    ConnectorConfigError,
)
from connectors._embedded_broker import EmbeddedBroker
from connectors._embedded_postgres import EmbeddedPostgres
from connectors._heartbeat import heartbeat_table
from connectors._relay import Relay, RelaySource
from connectors._replication import ensure_replication
from connectors._stack import EmbeddedStack
from connectors._topics import ensure_topics

__all__ = [
    "DEFAULT_HEADER_FIELDS",
    "DEFAULT_HEARTBEAT_TABLE",
    "ConnectorConfig",
    "ConnectorConfigError",
    "EmbeddedBroker",
    "EmbeddedPostgres",
    "EmbeddedStack",
    "Relay",
    "RelaySource",
    "ensure_replication",
    "ensure_topics",
    "heartbeat_table",
]
