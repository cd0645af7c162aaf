"""Postroom tests its own migrations with its own pytest plugin.

``postroom_postgres_server`` is overridden to run every test twice: on the embedded
PostgreSQL 18 of the session ``stack``, and on the machine's own PostgreSQL 15
(``$POSTROOM_SYSTEM_PG_URL``, default 127.0.0.1:5432 as ``postgres``), where only
uniquely named databases of our own are created and dropped. ``postroom_alembic_config``
is overridden to point at Postroom's revisions.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from alembic.config import Config

from postroom import migrations
from postroom.devstack import EmbeddedStack

SYSTEM_PG_URL = os.environ.get(
    "POSTROOM_SYSTEM_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(scope="session", params=["embedded-pg18", "system-pg15"])
def postroom_postgres_server(
    request: pytest.FixtureRequest,
) -> Iterator[migrations.PostgresServer]:
    if request.param == "embedded-pg18":
        stack: EmbeddedStack = request.getfixturevalue("stack")
        server = migrations.PostgresServer(stack.postgres.url())
    else:
        server = migrations.PostgresServer(SYSTEM_PG_URL)
        reason = server.unreachable_reason()
        if reason is not None:
            pytest.skip(f"the machine's own PostgreSQL is not available: {reason}")
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def migration_settings() -> migrations.MigrationSettings:
    """Default settings; tests override it (indirectly) for a custom schema/table."""
    return migrations.MigrationSettings()


@pytest.fixture
def postroom_alembic_config(
    postroom_database: migrations.ThrowawayDatabase,
    migration_settings: migrations.MigrationSettings,
) -> Config:
    return migrations.alembic_config(postroom_database.url, settings=migration_settings)
