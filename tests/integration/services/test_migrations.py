"""Must-show 5: every service's own Alembic history passes the stairway test of
Postroom's pytest plugin (each revision up, down, up again, leaving the schema exactly
as it was), and its models agree with its revisions (the drift check)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.config import Config

from postroom import migrations
from postroom.devstack import EmbeddedStack
from postroom.services.deployment import SERVICES


@pytest.fixture(scope="module")
def postroom_postgres_server(stack: EmbeddedStack) -> Iterator[migrations.PostgresServer]:
    """The plugin's throwaway databases go on the session's embedded PostgreSQL."""
    server = migrations.PostgresServer(stack.postgres.url())
    yield server
    server.close()


@pytest.fixture(params=list(SERVICES))
def service(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def postroom_alembic_config(
    service: str, postroom_database: migrations.ThrowawayDatabase
) -> Config:
    return SERVICES[service].migrations.config(postroom_database.url)


def test_every_revision_goes_up_down_and_up_again(
    service: str, postroom_migrator: migrations.Migrator
) -> None:
    walked = postroom_migrator.stairway()

    assert walked and all(revision.startswith(f"{service}_") for revision in walked)
    assert postroom_migrator.is_at_heads()


def test_the_models_and_the_revisions_agree(
    service: str,
    postroom_migrator: migrations.Migrator,
    postroom_database: migrations.ThrowawayDatabase,
) -> None:
    postroom_migrator.migrate(to="heads")

    migrations.check_drift(
        postroom_database.url,
        settings=migrations.MigrationSettings(version_table="alembic_version"),
        metadata=SERVICES[service].migrations.metadata,
    )
