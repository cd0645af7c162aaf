"""Between the database and Kafka, one folder per job.

- the connector model (this folder): ``ConnectorConfig``, rendered to both runtimes;
- ``relay/``: the embedded Debezium relay (``Relay``, replication slots);
- ``kafka_connect/``: the same model on a Kafka Connect cluster, over REST;
- ``topics/``: Kafka topic admin.
"""

from postroom.connectors._connector_config import (
    DEFAULT_HEADER_FIELDS,
    DEFAULT_HEARTBEAT_TABLE,
    HEARTBEAT_TOPIC_PREFIX,
    ConnectorConfig,
)
from postroom.connectors._heartbeat import heartbeat_table
from postroom.connectors._validate import validate_connector
from postroom.connectors.kafka_connect import KafkaConnectClient
from postroom.connectors.relay import (
    Relay,
    RelaySource,
    SlotInfo,
    drop_slot,
    ensure_replication,
    list_slots,
)
from postroom.connectors.topics import ensure_topics
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
    "HEARTBEAT_TOPIC_PREFIX",
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
