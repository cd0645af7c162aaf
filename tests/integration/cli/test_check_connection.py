"""``connector render --check-connection`` refuses what the relay refuses, in its words.

The refused server is the suite's stock PostgreSQL 15 (``wal_level=replica``).
"""

from __future__ import annotations

from pathlib import Path

from postroom.devstack import EmbeddedPostgres, EmbeddedStack
from tests.integration.cli.test_every_failure import assert_one_error_line, postroom


def test_a_replica_database_is_refused_by_render_as_by_the_relay(
    stock_postgres15: EmbeddedPostgres, stack: EmbeddedStack, tmp_path: Path
) -> None:
    replica_url = stock_postgres15.url()
    render = postroom(
        *["connector", "render", "svc", "--database-url", replica_url],
        *["--check-connection", "--no-validate"],
    )
    relay = postroom(
        *["relay", "--source", f"svc={replica_url}", "--bootstrap-servers"],
        *[stack.bootstrap_servers, "--state-dir", str(tmp_path)],
    )

    assert_one_error_line(render, "runs with wal_level=replica", "ALTER SYSTEM SET wal_level")
    assert_one_error_line(relay)
    assert render.stderr == relay.stderr
    assert render.stdout == ""
