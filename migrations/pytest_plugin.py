"""Postroom's pytest plugin: test your own migrations on real, throwaway PostgreSQL.

Loaded automatically (entry point ``pytest11: postroom``) and free until used: nothing
starts before a test asks for one of these fixtures.

- ``postroom_postgres_server`` (session): a ``PostgresServer``. ``--postroom-database-url
  URL`` or ``$POSTROOM_TEST_DATABASE_URL`` (a superuser URL) picks an existing server;
  otherwise an embedded PostgreSQL 18 (``postroom[embedded]``) starts on first use.
- ``postroom_database``: a fresh, empty ``ThrowawayDatabase`` per test, dropped after it.
- ``postroom_alembic_config``: your project's Alembic ``Config``, from the ini option
  ``postroom_alembic_ini`` (default ``alembic.ini`` at the rootdir); override it to build
  one in code.
- ``postroom_migrator``: a ``Migrator`` for that config on that database: ``migrate(to=)``,
  ``stairway()``, ``insert``/``rows``; with ``migrations.assert_rows_survive`` for data.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from alembic.config import Config

    from postroom.migrations._migrator import Migrator
    from postroom.migrations._throwaway import PostgresServer, ThrowawayDatabase

URL_OPTION = "--postroom-database-url"
URL_ENV = "POSTROOM_TEST_DATABASE_URL"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("postroom", "Postroom: throwaway PostgreSQL for migration tests")
    group.addoption(
        URL_OPTION,
        default=None,
        help=f"superuser URL of a PostgreSQL to create test databases on (or ${URL_ENV}); "
        "default: start an embedded PostgreSQL",
    )
    parser.addini(
        "postroom_alembic_ini", "the alembic.ini postroom_migrator uses", default="alembic.ini"
    )
    parser.addini(
        "postroom_database_driver",
        "SQLAlchemy driver in the URL given to your env.py (psycopg, asyncpg)",
        default="psycopg",
    )


@pytest.fixture(scope="session")
def postroom_postgres_server(request: pytest.FixtureRequest) -> Iterator[PostgresServer]:
    """The server test databases are made on (given by URL, or embedded, started lazily)."""
    from postroom.migrations._throwaway import PostgresServer

    url = request.config.getoption(URL_OPTION) or os.environ.get(URL_ENV)
    if url:
        server = PostgresServer(url)
        reason = server.unreachable_reason()
        if reason is not None:
            pytest.fail(f"{reason} (from {URL_OPTION} / ${URL_ENV})", pytrace=False)
        try:
            yield server
        finally:
            server.close()
        return
    from postroom.devstack import EmbeddedPostgres

    embedded = EmbeddedPostgres().start()
    try:
        server = PostgresServer(embedded.url())
        yield server
        server.close()
    finally:
        embedded.stop()


@pytest.fixture
def postroom_database(postroom_postgres_server: PostgresServer) -> Iterator[ThrowawayDatabase]:
    """A fresh, empty database for this test only."""
    database = postroom_postgres_server.create_database()
    try:
        yield database
    finally:
        database.drop()


@pytest.fixture
def postroom_alembic_config(request: pytest.FixtureRequest) -> Config:
    """Your project's Alembic config (ini option ``postroom_alembic_ini``); override freely."""
    from alembic.config import Config

    ini = Path(str(request.config.getini("postroom_alembic_ini")))
    if not ini.is_absolute():
        ini = request.config.rootpath / ini
    if not ini.is_file():
        pytest.fail(
            f"postroom_migrator needs an Alembic config: {ini} does not exist. Set "
            "'postroom_alembic_ini' in your pytest configuration or override the "
            "'postroom_alembic_config' fixture",
            pytrace=False,
        )
    return Config(str(ini))


@pytest.fixture
def postroom_migrator(
    request: pytest.FixtureRequest,
    postroom_alembic_config: Config,
    postroom_database: ThrowawayDatabase,
) -> Iterator[Migrator]:
    """A ``Migrator`` running your revisions on this test's throwaway database."""
    from postroom.migrations._migrator import Migrator

    driver = str(request.config.getini("postroom_database_driver"))
    migrator = Migrator(postroom_alembic_config, postroom_database.url_for(driver))
    try:
        yield migrator
    finally:
        migrator.close()
