"""With an OTLP endpoint configured, the relay process exports a span per batch."""

from __future__ import annotations

import pytest

from tests.integration.conftest import eventually
from tests.integration.ops.conftest import SOURCE, Flow

pytestmark = [pytest.mark.ops, pytest.mark.kafka]


def test_the_relay_exports_its_batch_spans_over_otlp(flow: Flow) -> None:
    flow.write(3)
    eventually(
        lambda: any(f"{SOURCE} publish".encode() in body for body in flow.traces.bodies),
        timeout=30,
        what="a relay span posted to the OTLP endpoint",
    )
    [body] = [b for b in flow.traces.bodies if f"{SOURCE} publish".encode() in b][:1]
    assert b"postroom-relay" in body  # service.name
    assert b"messaging.batch.message_count" in body
