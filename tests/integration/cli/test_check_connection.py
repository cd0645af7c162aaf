"""``connector render --check-connection`` refuses what the relay refuses, in its words.

Needs a PostgreSQL running with ``wal_level=replica``: the machine's second server
(``POSTROOM_SYSTEM_PG_URL``, as the migration tests use); skipped, saying so, without one.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from postroom.devstack import EmbeddedStack
from tests.integration.cli.test_every_failure import assert_one_error_line, postroom

SYSTEM_POSTGRES = os.environ.get(
    "POSTROOM_SYSTEM_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture
def replica_url() -> str:
    engine = sa.create_engine(SYSTEM_POSTGRES)
    try:
        with engine.connect() as connection:
            level = connection.execute(sa.text("SHOW wal_level")).scalar()
    except sa.exc.OperationalError:
        pytest.skip(f"no PostgreSQL at {SYSTEM_POSTGRES}")
    finally:
        engine.dispose()
    if level != "replica":
        pytest.skip(f"{SYSTEM_POSTGRES} runs with wal_level={level}, not replica")
    return SYSTEM_POSTGRES


def test_a_replica_database_is_refused_by_render_as_by_the_relay(
    replica_url: str, stack: EmbeddedStack, tmp_path: Path
) -> None:
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
