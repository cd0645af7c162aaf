"""The embedded stack starts real servers and stops every one of them by PID."""

from __future__ import annotations

import os
import stat

import pytest
import sqlalchemy as sa
from kafka.admin import KafkaAdminClient

from postroom.devstack import EmbeddedPostgres, EmbeddedStack, pid_alive

pytestmark = pytest.mark.tansu


def test_the_stack_runs_postgres_with_logical_decoding_and_a_broker_then_stops_both() -> None:
    with EmbeddedStack() as stack:
        pg_pid, broker_pids = stack.postgres.pid, stack.broker.pids
        data_dir = stack.postgres.data_dir
        engine = sa.create_engine(stack.postgres.url())
        with engine.connect() as connection:
            assert connection.execute(sa.text("SHOW wal_level")).scalar() == "logical"
            assert connection.execute(sa.text("SHOW listen_addresses")).scalar() == "127.0.0.1"
        engine.dispose()
        admin = KafkaAdminClient(bootstrap_servers=stack.bootstrap_servers)
        assert isinstance(admin.list_topics(), list)
        admin.close()
        if os.geteuid() == 0:  # PostgreSQL refuses root: it must run as another user
            assert os.stat(data_dir).st_uid != 0
            assert stat.S_IMODE(os.stat(data_dir).st_mode) & 0o077 == 0
    assert pg_pid is not None and not pid_alive(pg_pid)
    assert broker_pids and not any(pid_alive(pid) for pid in broker_pids)
    assert not data_dir.exists()


def test_debian_postgres_15_runs_as_a_private_cluster_on_a_free_port(
    postgres15: EmbeddedPostgres,
) -> None:
    engine = sa.create_engine(postgres15.url())
    with engine.connect() as connection:
        version = connection.execute(sa.text("SHOW server_version_num")).scalar_one()
        port = connection.execute(sa.text("SHOW port")).scalar_one()
    engine.dispose()

    assert str(version).startswith("15")
    assert int(port) == postgres15.port != 5432
