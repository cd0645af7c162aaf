"""Export spans over OTLP when an endpoint is configured, the OpenTelemetry way.

With ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) set,
``configure_tracing`` installs a tracer provider that batches spans to that endpoint over
OTLP/HTTP (the ``otel`` extra); the inbox's handler spans, which continue the writer's
trace, then leave the process. Without it, nothing is installed and spans stay no-ops.
"""

from __future__ import annotations

import os

__all__ = ["OTLP_ENDPOINT_ENV", "configure_tracing"]

OTLP_ENDPOINT_ENV = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")


def configure_tracing(service_name: str) -> bool:
    """Install an OTLP span exporter for ``service_name`` if an endpoint is configured.

    Returns whether spans are now exported. The standard ``OTEL_*`` variables (headers,
    timeout, ``OTEL_SERVICE_NAME``) apply as the OpenTelemetry SDK reads them.
    """
    if not any(os.environ.get(name) for name in OTLP_ENDPOINT_ENV):
        return False
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    name = os.environ.get("OTEL_SERVICE_NAME") or service_name
    provider = TracerProvider(resource=Resource.create({"service.name": name}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    return True
