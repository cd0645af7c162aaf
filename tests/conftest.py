"""Shared fixtures: real servers, started once per session, stopped by PID.

The broker is Apache Kafka (one KRaft node) unless ``POSTROOM_BROKER=tansu``; tests that
need Kafka Connect (marked ``connect``) or Apache Kafka itself (marked ``kafka``) are
skipped on Tansu.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings

from postroom import migrations
from postroom.devstack import (
    ConnectCluster,
    EmbeddedPostgres,
    EmbeddedStack,
    KafkaCluster,
    broker_kind,
    debian_postgres_bin,
)

_names = itertools.count()

# Property-based tests (marked ``fuzz``): a small run by default and in CI, a long one
# with HYPOTHESIS_PROFILE=long (docs/testing.md). No deadline: these machines are shared.
settings.register_profile(
    "ci", max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "long", max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if broker_kind() == "kafka":
        return
    skip = pytest.mark.skip(reason="needs Apache Kafka (POSTROOM_BROKER=tansu)")
    for item in items:
        if item.get_closest_marker("connect") or item.get_closest_marker("kafka"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def stack() -> Iterator[EmbeddedStack]:
    """A private PostgreSQL (wal_level=logical) and a broker (see the module docstring)."""
    with EmbeddedStack() as running:
        yield running


@pytest.fixture(scope="session")
def connect(stack: EmbeddedStack) -> Iterator[ConnectCluster]:
    """Kafka Connect, two distributed workers in one group, on the session's Kafka."""
    with ConnectCluster(stack.bootstrap_servers, workers=2) as cluster:
        yield cluster


@pytest.fixture(scope="session")
def kafka3() -> Iterator[KafkaCluster]:
    """Apache Kafka with three KRaft nodes: replication factor 3, min.insync.replicas=2."""
    with KafkaCluster(3) as cluster:
        yield cluster


@pytest.fixture(scope="session")
def postgres15() -> Iterator[EmbeddedPostgres]:
    """Debian's PostgreSQL 15, the oldest server Postroom supports, as a private cluster
    with logical decoding on (migrations create the replication slot)."""
    server = EmbeddedPostgres(bin_dir=debian_postgres_bin(15))
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="session")
def stock_postgres15() -> Iterator[EmbeddedPostgres]:
    """Debian's PostgreSQL 15 configured as a stock server is (``wal_level=replica``):
    one that refuses logical decoding until reconfigured."""
    server = EmbeddedPostgres(bin_dir=debian_postgres_bin(15), wal_level="replica")
    try:
        yield server.start()
    finally:
        server.stop()


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
