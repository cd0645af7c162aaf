"""The operators' view: where events are, and where they are stuck.

- ``LagMonitor`` measures every flow, from each source database (its replication slot,
  the relay's heartbeat on Kafka, an end-to-end probe) to each consumer group (lag per
  partition from Apache Kafka's admin API, dead letters); ``Thresholds`` say when a flow
  is stuck and ``LagReport.problems`` says where, one line per flow.
- ``relay_metrics``, ``worker_metrics``, ``lag_metrics``: Prometheus collectors for the
  relay process, an inbox worker and the monitor; ``MetricsServer`` serves ``/metrics``.
- ``status_page``: a read-only HTML page (FastAPI) with the same picture.
- ``configure_tracing``: export spans over OTLP when an endpoint is configured.
"""

from postroom.ops._group_lag import GroupLag, PartitionLag
from postroom.ops._metrics import RELAY_STATES, lag_metrics, relay_metrics, worker_metrics
from postroom.ops._metrics_server import MetricsServer
from postroom.ops._monitor import HEARTBEAT_TOPIC_PREFIX, LagMonitor, LatencySample
from postroom.ops._probe import PROBE_AGGREGATE_TYPE, PROBE_EVENT_TYPE, Prober
from postroom.ops._report import DeadLetterDepth, GroupReport, LagReport, SourceReport
from postroom.ops._status_page import status_page
from postroom.ops._thresholds import Thresholds
from postroom.ops._tracing import OTLP_ENDPOINT_ENV, configure_tracing

__all__ = [
    "HEARTBEAT_TOPIC_PREFIX",
    "OTLP_ENDPOINT_ENV",
    "PROBE_AGGREGATE_TYPE",
    "PROBE_EVENT_TYPE",
    "RELAY_STATES",
    "DeadLetterDepth",
    "GroupLag",
    "GroupReport",
    "LagMonitor",
    "LagReport",
    "LatencySample",
    "MetricsServer",
    "PartitionLag",
    "Prober",
    "SourceReport",
    "Thresholds",
    "configure_tracing",
    "lag_metrics",
    "relay_metrics",
    "status_page",
    "worker_metrics",
]
