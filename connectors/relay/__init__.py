"""The embedded relay: real Debezium in-process, each routed record produced to Kafka and
acknowledged before its source offset is committed."""

from postroom.connectors.relay._preflight import check_replication
from postroom.connectors.relay._relay import Relay, RelaySource
from postroom.connectors.relay._replication import ensure_replication
from postroom.connectors.relay._slots import SlotInfo, drop_slot, list_slots

__all__ = [
    "Relay",
    "RelaySource",
    "SlotInfo",
    "check_replication",
    "drop_slot",
    "ensure_replication",
    "list_slots",
]
