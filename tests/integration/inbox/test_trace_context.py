"""The writer's ``traceparent`` becomes the parent of the handler's span."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy.orm import Session

from postroom.inbox import HandlerRegistry, InboxMessage, InboxProcessor
from tests.integration.inbox.conftest import Reader, record_effect

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
WRITER_SPAN = "b7ad6b7169203331"

_exporter = InMemorySpanExporter()


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(_exporter))
        trace.set_tracer_provider(provider)
    _exporter.clear()
    yield _exporter
    _exporter.clear()


def traced_message(traceparent: str | None) -> InboxMessage:
    headers = {"traceparent": traceparent} if traceparent else {}
    return InboxMessage(uuid.uuid4(), "OrderPlaced", "o-1", {"n": 1}, headers, "orders", 0, 9)


def test_the_handler_span_is_a_child_of_the_writers_span(
    reader: Reader, spans: InMemorySpanExporter
) -> None:
    seen: list[str] = []
    registry = HandlerRegistry()

    @registry.on("OrderPlaced")
    def ship(session: Session, message: InboxMessage) -> None:
        seen.append(format(trace.get_current_span().get_span_context().trace_id, "032x"))
        record_effect(session, message)

    processor = InboxProcessor(reader.engine, "traced", registry)
    processor.process(traced_message(f"00-{TRACE_ID}-{WRITER_SPAN}-01"))

    [span] = spans.get_finished_spans()
    assert span.name == "OrderPlaced process"
    assert span.kind is trace.SpanKind.CONSUMER
    assert format(span.context.trace_id, "032x") == TRACE_ID
    assert span.parent is not None and format(span.parent.span_id, "016x") == WRITER_SPAN
    assert (
        span.attributes is not None and span.attributes["messaging.consumer.group.name"] == "traced"
    )
    assert seen == [TRACE_ID]  # the handler runs inside that span


def test_without_a_traceparent_the_handler_span_starts_a_new_trace(
    reader: Reader, spans: InMemorySpanExporter
) -> None:
    registry = HandlerRegistry()
    registry.on("OrderPlaced")(record_effect)
    InboxProcessor(reader.engine, "untraced", registry).process(traced_message(None))
    [span] = spans.get_finished_spans()
    assert span.parent is None
    assert format(span.context.trace_id, "032x") != TRACE_ID


def test_the_inbox_works_without_opentelemetry_installed(reader: Reader) -> None:
    # A fresh interpreter where ``import opentelemetry`` fails, as without the extra.
    script = f"""
import sys, uuid
sys.modules["opentelemetry"] = None
from postroom.inbox import HandlerRegistry, InboxMessage, InboxProcessor, Outcome
import sqlalchemy as sa
registry = HandlerRegistry()
registry.on("OrderPlaced")(lambda session, message: None)
message = InboxMessage(uuid.uuid4(), "OrderPlaced", None, {{}},
    {{"traceparent": "00-{TRACE_ID}-{WRITER_SPAN}-01"}}, "orders", 0, 1)
engine = sa.create_engine({reader.url!r})
assert InboxProcessor(engine, "no-otel", registry).process(message) is Outcome.HANDLED
print("handled")
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "handled"
