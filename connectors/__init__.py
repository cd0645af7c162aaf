"""Everything between database and Kafka: connector model, embedded relay, topics, stack."""

from connectors._connector_config import (
    DEFAULT_HEADER_FIELDS,
    ConnectorConfig,
    ConnectorConfigError,
)
from connectors._embedded_broker import EmbeddedBroker
from connectors._embedded_postgres import EmbeddedPostgres
from connectors._relay import Relay, RelaySource
from connectors._replication import ensure_replication
from connectors._stack import EmbeddedStack
from connectors._topics import ensure_topics

__all__ = [
    "DEFAULT_HEADER_FIELDS",
    "ConnectorConfig",
    "ConnectorConfigError",
    "EmbeddedBroker",
    "EmbeddedPostgres",
    "EmbeddedStack",
    "Relay",
    "RelaySource",
    "ensure_replication",
    "ensure_topics",
]
