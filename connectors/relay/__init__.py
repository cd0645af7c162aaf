"""The embedded relay: real Debezium in-process, each routed record produced to Kafka and
acknowledged before its source offset is committed."""

from postroom.connectors.relay._offset_stores import (
    OFFSET_STORES,
    OffsetStore,
    offset_store_properties,
    offsets_table,
)
from postroom.connectors.relay._relay import Relay, RelaySource
from postroom.connectors.relay._replication import ensure_replication
from postroom.connectors.relay._slots import SlotInfo, drop_slot, list_slots

__all__ = [
    "OFFSET_STORES",
    "OffsetStore",
    "Relay",
    "RelaySource",
    "SlotInfo",
    "drop_slot",
    "ensure_replication",
    "list_slots",
    "offset_store_properties",
    "offsets_table",
]
