"""Everything between database and Kafka: connector model, embedded relay, topics, stack."""

from postroom.connectors._connector_config import (
    DEFAULT_HEADER_FIELDS,
    DEFAULT_HEARTBEAT_TABLE,
    ConnectorConfig,
)
from postroom.connectors._heartbeat import heartbeat_table
from postroom.connectors._kafka_connect import KafkaConnectClient
from postroom.connectors._relay import Relay, RelaySource
from postroom.connectors._replication import ensure_replication
from postroom.connectors._slots import SlotInfo, drop_slot, list_slots
from postroom.connectors._topics import ensure_topics
from postroom.connectors._validate import validate_connector
from postroom.errors import (
    BrokerUnavailableError,
    ConnectorConfigError,
    ConnectorValidationError,
    KafkaConnectError,
    MissingPrivilegeError,
    ModeMismatchError,
    RelayError,
    SlotInUseError,
    StaleOffsetsError,
    UnconsumedWalError,
    WalLevelError,
)

__all__ = [
    "DEFAULT_HEADER_FIELDS",
    "DEFAULT_HEARTBEAT_TABLE",
    "BrokerUnavailableError",
    "ConnectorConfig",
    "ConnectorConfigError",
    "ConnectorValidationError",
    "KafkaConnectClient",
    "KafkaConnectError",
    "MissingPrivilegeError",
    "ModeMismatchError",
    "Relay",
    "RelayError",
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
