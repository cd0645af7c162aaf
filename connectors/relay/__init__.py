"""The embedded relay: real Debezium in-process, each routed record produced to Kafka and
acknowledged before its source offset is committed."""

from postroom.connectors.relay._engine import (
    RELAY_JVM_OPTIONS,
    build_engine,
    relay_jvm_options,
    start_jvm,
)
from postroom.connectors.relay._java_producer import JavaKafkaSink, new_batch_producer
from postroom.connectors.relay._kafka_sink import KafkaSink
from postroom.connectors.relay._offset_stores import (
    OFFSET_STORES,
    OffsetStore,
    offset_store_properties,
    offsets_table,
)
from postroom.connectors.relay._preflight import check_replication
from postroom.connectors.relay._relay import Relay, RelaySource, engine_format
from postroom.connectors.relay._replication import ensure_replication, recorded_config
from postroom.connectors.relay._slots import SlotInfo, drop_slot, list_slots

__all__ = [
    "OFFSET_STORES",
    "RELAY_JVM_OPTIONS",
    "JavaKafkaSink",
    "KafkaSink",
    "OffsetStore",
    "Relay",
    "RelaySource",
    "SlotInfo",
    "build_engine",
    "check_replication",
    "drop_slot",
    "engine_format",
    "ensure_replication",
    "list_slots",
    "new_batch_producer",
    "offset_store_properties",
    "offsets_table",
    "recorded_config",
    "relay_jvm_options",
    "start_jvm",
]
