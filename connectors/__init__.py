"""Everything between database and Kafka: connector model, embedded relay, topics, stack."""

from connectors._connector_config import (
    DEFAULT_HEADER_FIELDS,
    DEFAULT_HEARTBEAT_TABLE,
    ConnectorConfig,
)
from connectors._embedded_broker import EmbeddedBroker
from connectors._embedded_postgres import EmbeddedPostgres
from connectors._errors import (
    ConnectorConfigError,
    ConnectorValidationError,
    KafkaConnectError,
    MissingPrivilegeError,
    SlotInUseError,
    StaleOffsetsError,
    UnconsumedWalError,
    WalLevelError,
)
from connectors._heartbeat import heartbeat_table
from connectors._kafka_connect import KafkaConnectClient
from connectors._relay import Relay, RelaySource
from connectors._replication import ensure_replication
from connectors._slots import SlotInfo, drop_slot, list_slots
from connectors._stack import EmbeddedStack
from connectors._topics import ensure_topics
from connectors._validate import validate_connector

__all__ = [
    "DEFAULT_HEADER_FIELDS",
    "DEFAULT_HEARTBEAT_TABLE",
    "ConnectorConfig",
    "ConnectorConfigError",
    "ConnectorValidationError",
    "EmbeddedBroker",
    "EmbeddedPostgres",
    "EmbeddedStack",
    "KafkaConnectClient",
    "KafkaConnectError",
    "MissingPrivilegeError",
    "Relay",
    "RelaySource",
    "SlotInUseError",
    "SlotInfo",
    "StaleOffsetsError",
    "UnconsumedWalError",
    "WalLevelError",
    "drop_slot",
    "ensure_replication",
    "ensure_topics",
    "heartbeat_table",
    "list_slots",
    "validate_connector",
]
