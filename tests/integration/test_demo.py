"""The README's demo: one user's story across six services, each step timed, ending with
an export and an erasure (each service's confirmation, the completion record); every
process the demo started is gone afterwards."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from postroom.services.demo import run_demo


@pytest.mark.slow
@pytest.mark.services
def test_the_demo_tells_the_story_and_leaves_nothing_running() -> None:
    output = io.StringIO()
    steps = run_demo(registrations=1, console=Console(file=output, width=200))

    text = output.getvalue()
    assert [step.name for step in steps] == [
        "register",
        "log in",
        "profile",
        "watch-history knows",
        "watch",
        "read model",
        "report",
        "deactivate",
        "everyone knows",
        "export",
        "erase",
    ]
    assert all(0 <= step.ms < 60_000 for step in steps)
    assert "viewer0@example.com" in text and "2 titles, 2400 s" in text
    assert "Metropolis 1500 s" in text  # the report, from the cold store
    assert "no process left" in text
    for service in ("auth", "authz", "users", "watch_history", "activity", "reporting", "partner"):
        assert f"{service} confirmed" in text
    assert "completion record" in text and "verifies: True" in text
    assert "verifies: False" not in text
