"""One PRODUCER span per relayed batch, when OpenTelemetry is installed.

Spans go wherever the process's tracer provider sends them (``postroom relay`` installs
an OTLP exporter when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set); without a provider they
are no-ops. The span wraps the whole batch: produce, flush and every acknowledgement.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from postroom.connectors.relay._kafka_sink import BatchSink

__all__ = ["TracedSink"]

try:  # pragma: no cover - exercised with and without the extra installed
    from opentelemetry import trace as _trace
except ImportError:  # pragma: no cover
    _trace = None  # type: ignore[assignment]


class TracedSink:
    """Debezium's batch handler around a ``BatchSink``, with a span per batch."""

    def __init__(self, sink: BatchSink, connector: str) -> None:
        self.sink = sink
        self.connector = connector
        self._tracer: Any = _trace.get_tracer("postroom.relay") if _trace else None

    def handleBatch(self, records: Sequence[Any], committer: Any) -> None:  # noqa: N802 - Java contract
        if self._tracer is None:
            self.sink.handleBatch(records, committer)
            return
        with self._tracer.start_as_current_span(
            f"{self.connector} publish",
            kind=_trace.SpanKind.PRODUCER,
            attributes={
                "messaging.system": "kafka",
                "messaging.operation": "publish",
                "messaging.batch.message_count": len(records),
                "postroom.connector": self.connector,
            },
        ):
            self.sink.handleBatch(records, committer)
