"""Shared fixtures: the real embedded stack, started once per session, stopped by PID."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from postroom import migrations
from postroom.devstack import EmbeddedStack

_names = itertools.count()


@pytest.fixture(scope="session")
def stack() -> Iterator[EmbeddedStack]:
    """A private PostgreSQL (wal_level=logical) and a Kafka-protocol broker."""
    with EmbeddedStack() as running:
        yield running


@pytest.fixture
def new_database(stack: EmbeddedStack) -> Iterator[object]:
    """Factory: a fresh database with Postroom's tables migrated in; engines disposed after."""
    engines: list[sa.Engine] = []

    def make(prefix: str = "db", **settings: Any) -> tuple[str, sa.Engine]:
        """``settings``: ``MigrationSettings`` (e.g. ``mode="retain"``), recorded with capture."""
        url = stack.postgres.create_database(f"{prefix}_{next(_names)}")
        migrations.upgrade(url, settings=migrations.MigrationSettings(**settings))
        engine = sa.create_engine(url)
        engines.append(engine)
        return url, engine

    yield make
    for engine in engines:
        engine.dispose()


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    return tmp_path / "relay-state"
