"""The README's demo: a registration crosses from auth's database to users', and every
process the demo started is gone afterwards."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from postroom.services.demo import run_demo


@pytest.mark.slow
def test_the_demo_shows_registrations_crossing_services_and_leaves_nothing_running() -> None:
    output = io.StringIO()
    latencies = run_demo(registrations=2, console=Console(file=output, width=200))

    text = output.getvalue()
    assert len(latencies) == 2
    assert all(0 < latency < 30_000 for latency in latencies)
    assert "user0@example.com" in text and "user1@example.com" in text
    # The first registration is published before any relay ran, and still arrives.
    assert text.index("before any relay ran") < text.index("Debezium adopted auth's slot")
    assert "(written before the relay started)" in text
    assert "no process left" in text
