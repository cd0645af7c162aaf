"""The pytest plugin, as a service uses it: loaded by its entry point, pointed at a server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from postroom.devstack import EmbeddedPostgres, EmbeddedStack

ROOT = Path(__file__).parents[3]
EXAMPLE = ROOT / "examples" / "user_project"


def run_pytest(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("server", ["embedded-pg18", "debian-pg15"])
def test_the_example_runs_on_a_server_given_by_url(
    server: str, request: pytest.FixtureRequest
) -> None:
    if server == "debian-pg15":
        postgres15: EmbeddedPostgres = request.getfixturevalue("postgres15")
        url = postgres15.url()
    else:
        stack: EmbeddedStack = request.getfixturevalue("stack")
        url = stack.postgres.url()

    result = run_pytest(str(EXAMPLE), "--postroom-database-url", url)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout


def test_an_unreachable_server_url_fails_with_a_clear_reason() -> None:
    result = run_pytest(
        str(EXAMPLE / "tests"),
        "-k",
        "up_down_and_up",
        "--postroom-database-url",
        "postgresql+psycopg://postgres@127.0.0.1:1/postgres",
    )

    assert result.returncode != 0
    assert "is not reachable" in result.stdout
    assert "--postroom-database-url" in result.stdout
