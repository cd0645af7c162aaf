"""Postroom tests its own migrations with its own pytest plugin.

``postroom_postgres_server`` is overridden to run every test twice: on the embedded
PostgreSQL 18 of the session ``stack``, and on Debian's PostgreSQL 15 (the session's
``postgres15`` cluster), as a server given by URL. ``postroom_alembic_config``
is overridden to point at Postroom's revisions.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.config import Config

from postroom import migrations
from postroom.devstack import EmbeddedPostgres, EmbeddedStack


@pytest.fixture(scope="session", params=["embedded-pg18", "debian-pg15"])
def postroom_postgres_server(
    request: pytest.FixtureRequest,
) -> Iterator[migrations.PostgresServer]:
    if request.param == "embedded-pg18":
        stack: EmbeddedStack = request.getfixturevalue("stack")
        server = migrations.PostgresServer(stack.postgres.url())
    else:
        postgres15: EmbeddedPostgres = request.getfixturevalue("postgres15")
        server = migrations.PostgresServer(postgres15.url())
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
