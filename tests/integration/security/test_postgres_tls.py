"""TLS to PostgreSQL: the embedded server started with ``ssl=on`` and a certificate made
here (``cryptography``), ``pg_hba.conf`` accepting TCP only over TLS. SQLAlchemy (psycopg)
and the relay's Debezium connector both connect with ``sslmode=verify-full``; a client
without TLS, or one that does not trust the CA, is refused."""

from __future__ import annotations

import ssl
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from kafka import KafkaConsumer
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.orm import Session

from postroom import migrations
from postroom.connectors import ConnectorConfig, Relay, RelaySource, ensure_topics
from postroom.database_url import async_engine_args
from postroom.devstack import (
    EmbeddedPostgres,
    EmbeddedStack,
    LocalCertificates,
    debian_postgres_bin,
)
from postroom.outbox import Event, publish

pytestmark = [pytest.mark.security, pytest.mark.integration]


@pytest.fixture(scope="module")
def tls_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedPostgres]:
    certificates = LocalCertificates.create(tmp_path_factory.mktemp("pg-tls"))
    server = EmbeddedPostgres(bin_dir=debian_postgres_bin(15), tls=certificates, tls_only=True)
    try:
        yield server.start()
    finally:
        server.stop()


def _ssl_in_use(url: str) -> bool:
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    try:
        with engine.connect() as connection:
            return bool(
                connection.execute(
                    sa.text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
                ).scalar_one()
            )
    finally:
        engine.dispose()


def test_sqlalchemy_connects_with_verify_full(tls_postgres: EmbeddedPostgres) -> None:
    url = tls_postgres.url()
    assert "sslmode=verify-full" in url
    assert _ssl_in_use(url)


def test_a_connection_without_tls_is_refused(tls_postgres: EmbeddedPostgres) -> None:
    plain = tls_postgres.url(tls=False) + "?sslmode=disable"
    with pytest.raises(sa.exc.OperationalError, match="no encryption"):
        _ssl_in_use(plain)


def test_a_client_that_does_not_trust_the_ca_is_refused(
    tls_postgres: EmbeddedPostgres, tmp_path: Path
) -> None:
    stranger = LocalCertificates.create(tmp_path / "other", ca_name="Someone else")
    url = tls_postgres.url(tls=False) + f"?sslmode=verify-full&sslrootcert={stranger.ca_file}"
    with pytest.raises(sa.exc.OperationalError, match="certificate verify failed"):
        _ssl_in_use(url)


def test_the_relay_reads_the_wal_over_verify_full(
    tls_postgres: EmbeddedPostgres, stack: EmbeddedStack, tmp_path: Path
) -> None:
    url = tls_postgres.create_database("tls_writer")
    migrations.upgrade(url)
    connector = ConnectorConfig.from_url("tls_writer", url)
    assert connector.connector_properties()["database.sslmode"] == "verify-full"
    topic = "outbox.event.sealed"
    ensure_topics(stack.bootstrap_servers, [topic])
    relay = Relay(
        [RelaySource(connector, url)], bootstrap_servers=stack.bootstrap_servers,
        state_dir=tmp_path / "relay",
    )  # fmt: skip
    event = Event(
        aggregate_type="sealed", aggregate_id=str(uuid.uuid4()), type="Sealed", payload={"n": 1}
    )
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=stack.bootstrap_servers,
        auto_offset_reset="earliest",
        consumer_timeout_ms=60_000,
    )
    writer = sa.create_engine(url)
    try:
        with relay:
            relay.wait_streaming()
            with Session(writer) as session, session.begin():
                publish(session, event)
            received = next(iter(consumer))
            # The relay's replication connection itself is encrypted.
            with writer.connect() as connection:
                walsenders = connection.execute(
                    sa.text(
                        "SELECT s.ssl FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) "
                        "WHERE a.backend_type = 'walsender'"
                    )
                ).scalars()
                assert list(walsenders) == [True]
        assert dict(received.headers)["id"] == str(event.id).encode()
        assert not relay.errors
    finally:
        consumer.close()
        writer.dispose()


async def test_asyncpg_connects_with_the_same_url_through_async_engine_args(
    tls_postgres: EmbeddedPostgres,
) -> None:
    # asyncpg knows neither sslmode nor sslrootcert: given as they are, connect() fails.
    url, connect_args = async_engine_args(tls_postgres.url())
    engine = create_async_engine(url, connect_args=connect_args, poolclass=sa.NullPool)
    try:
        async with engine.connect() as connection:
            query = sa.text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            assert (await connection.execute(query)).scalar_one() is True
    finally:
        await engine.dispose()


async def test_asyncpg_refuses_a_server_whose_ca_it_does_not_trust(
    tls_postgres: EmbeddedPostgres, tmp_path: Path
) -> None:
    stranger = LocalCertificates.create(tmp_path / "other", ca_name="Someone else")
    untrusting = (
        tls_postgres.url(tls=False) + f"?sslmode=verify-full&sslrootcert={stranger.ca_file}"
    )
    url, connect_args = async_engine_args(untrusting)
    engine = create_async_engine(url, connect_args=connect_args, poolclass=sa.NullPool)
    try:
        with pytest.raises(ssl.SSLCertVerificationError):
            async with engine.connect():
                pass
    finally:
        await engine.dispose()
