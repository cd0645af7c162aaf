"""TLS and SASL/SCRAM to a real Apache Kafka broker: the project's own ``KafkaCluster``
with a ``SASL_SSL``-only client listener, its certificates made here with
``cryptography`` and its SCRAM-SHA-512 users written when the storage is formatted.

An event goes database -> Debezium relay (Kafka's Java producer) -> SASL_SSL -> inbox
worker (kafka-python); a client without credentials, one with a wrong password and one
that does not trust the broker's CA are refused."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient
from kafka.errors import KafkaConfigurationError, KafkaError
from sqlalchemy.orm import Session

from postroom import migrations
from postroom.connectors import ConnectorConfig, Relay, RelaySource, ensure_topics
from postroom.connectors.relay import OffsetStore
from postroom.devstack import BrokerSecurity, EmbeddedPostgres, KafkaCluster
from postroom.errors import BrokerAuthenticationError, BrokerUnavailableError
from postroom.inbox import HandlerRegistry, InboxConfig, InboxMessage, InboxWorker
from postroom.kafka_security import KafkaSecurity, login_refusals
from postroom.outbox import Event, publish
from tests.integration.conftest import eventually

pytestmark = [pytest.mark.security, pytest.mark.kafka, pytest.mark.integration]

TOPIC = "outbox.event.parcel"


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaCluster]:
    security = BrokerSecurity.create(tmp_path_factory.mktemp("kafka-tls"), users=("relay", "inbox"))
    with KafkaCluster(1, security=security) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def postgres() -> Iterator[EmbeddedPostgres]:
    server = EmbeddedPostgres()
    try:
        yield server.start()
    finally:
        server.stop()


def _refusal(bootstrap_servers: str, security: KafkaSecurity) -> str:
    """What a kafka-python client with ``security`` gets: the error's text."""

    def connect() -> None:
        admin = KafkaAdminClient(
            bootstrap_servers=bootstrap_servers,
            **security.kafka_python(),
            request_timeout_ms=5000,
            bootstrap_timeout_ms=5000,
        )
        admin.list_topics()
        admin.close()

    with pytest.raises(KafkaError) as refused:
        connect()
    # Refused by the broker, not by a mistake in the client's own settings.
    assert not isinstance(refused.value, KafkaConfigurationError), refused.value
    return f"{type(refused.value).__name__}: {refused.value}"


def test_the_broker_listens_for_sasl_ssl_only(secured: KafkaCluster) -> None:
    text = secured.node(1).config_file.read_text()
    assert f"listeners=SASL_SSL://127.0.0.1:{secured.nodes[0].port}," in text
    assert "PLAINTEXT://127.0.0.1" not in text.replace("CONTROLLER:PLAINTEXT", "")


def test_a_client_with_its_password_is_let_in(secured: KafkaCluster) -> None:
    ensure_topics(secured.bootstrap_servers, [TOPIC], security=secured.client_security("relay"))
    admin = KafkaAdminClient(
        bootstrap_servers=secured.bootstrap_servers,
        **secured.client_security("inbox").kafka_python(),
    )
    try:
        assert TOPIC in admin.list_topics()
    finally:
        admin.close()


def test_a_client_without_credentials_is_refused(secured: KafkaCluster) -> None:
    assert secured.security is not None
    ca = str(secured.security.certificates.ca_file)
    # Plaintext on the TLS port: no handshake, no metadata.
    assert _refusal(secured.bootstrap_servers, KafkaSecurity())
    # TLS, trusting the CA, but no SASL login: the broker drops it before any request.
    assert _refusal(secured.bootstrap_servers, KafkaSecurity(protocol="SSL", ssl_cafile=ca))


def test_a_wrong_password_is_refused_and_the_refusal_is_named(secured: KafkaCluster) -> None:
    assert secured.security is not None
    wrong = secured.security.client("inbox", password="not-the-password")
    with login_refusals() as refusals:
        # The broker answers some refused logins by just closing the connection; of a
        # few tries, one has the refusal said in words (as for the relay, below).
        for _ in range(6):
            _refusal(secured.bootstrap_servers, wrong)
            if refusals:
                break
    assert any("invalid credentials with SASL mechanism SCRAM-SHA-512" in r for r in refusals)


def test_the_relay_with_a_wrong_password_stops_with_an_authentication_error(
    secured: KafkaCluster, postgres: EmbeddedPostgres, tmp_path: Path
) -> None:
    assert secured.security is not None
    url = postgres.create_database("parcels_wrong_password")
    migrations.upgrade(url)
    relay = Relay(
        [RelaySource(ConnectorConfig.from_url("parcels_wrong_password", url), url)],
        bootstrap_servers=secured.bootstrap_servers,
        state_dir=tmp_path / "relay",
        # The default bootstrap timeout: the broker answers some refused logins by just
        # closing the connection; within 30 s of retries one refusal is said in words.
        security=secured.security.client("relay", password="guess"),
    )
    with pytest.raises((BrokerAuthenticationError, BrokerUnavailableError)) as refused:
        relay.start()
    relay.stop()
    said = str(refused.value)
    if isinstance(refused.value, BrokerAuthenticationError):
        assert "refused the relay" in said
        assert "user 'relay'" in said
        assert "invalid credentials" in said
        assert not refused.value.retriable
    else:  # every refusal came as a closed connection: the error still names the login
        assert "the SASL user and password (a refused login can look like this)" in said


def test_a_client_that_does_not_trust_the_brokers_ca_is_refused(
    secured: KafkaCluster, tmp_path: Path
) -> None:
    assert secured.security is not None
    from postroom.devstack import LocalCertificates

    stranger = LocalCertificates.create(tmp_path / "other-ca", ca_name="Someone else")
    impostor = KafkaSecurity(
        protocol="SASL_SSL",
        ssl_cafile=str(stranger.ca_file),
        sasl_username="inbox",
        sasl_password=secured.security.users["inbox"],
    )
    assert _refusal(secured.bootstrap_servers, impostor)


def test_the_relay_without_credentials_is_refused_naming_the_broker(
    secured: KafkaCluster, postgres: EmbeddedPostgres, tmp_path: Path
) -> None:
    url = postgres.create_database("parcels_refused")
    migrations.upgrade(url)
    relay = Relay(
        [RelaySource(ConnectorConfig.from_url("parcels_refused", url), url)],
        bootstrap_servers=secured.bootstrap_servers,
        state_dir=tmp_path / "relay",
        security=KafkaSecurity(),
        bootstrap_timeout_ms=5000,
    )
    with pytest.raises(BrokerUnavailableError, match=secured.bootstrap_servers):
        relay.start()
    relay.stop()


@pytest.mark.parametrize("offset_store", ["file", "kafka"])
def test_an_event_travels_database_relay_sasl_ssl_kafka_inbox(
    secured: KafkaCluster, postgres: EmbeddedPostgres, tmp_path: Path, offset_store: OffsetStore
) -> None:
    # With the "kafka" store, Debezium's own offset store logs in over SASL_SSL too.
    writer_url = postgres.create_database(f"parcels_writer_{offset_store}")
    reader_url = postgres.create_database(f"parcels_reader_{offset_store}")
    for url in (writer_url, reader_url):
        migrations.upgrade(url)
    writer, reader = sa.create_engine(writer_url), sa.create_engine(reader_url)
    with reader.begin() as connection:
        connection.execute(sa.text("CREATE TABLE delivered (event uuid, parcel text)"))
    registry = HandlerRegistry()

    @registry.on("ParcelSent")
    def deliver(session: Session, message: InboxMessage) -> None:
        session.execute(
            sa.text("INSERT INTO delivered VALUES (:id, :parcel)"),
            {"id": message.id, "parcel": message.payload["parcel"]},
        )

    relay = Relay(
        [
            RelaySource(
                ConnectorConfig.from_url(f"parcels_writer_{offset_store}", writer_url), writer_url
            )
        ],
        bootstrap_servers=secured.bootstrap_servers,
        state_dir=tmp_path / "relay",
        security=secured.client_security("relay"),
        offset_store=offset_store,
    )
    config = InboxConfig.low_latency(
        f"parcels_{offset_store}",
        (TOPIC,),
        secured.bootstrap_servers,
        security=secured.client_security("inbox"),
    )
    worker = InboxWorker(config, registry, reader)
    event = Event(
        aggregate_type="parcel",
        aggregate_id=str(uuid.uuid4()),
        type="ParcelSent",
        payload={"parcel": "p-1"},
    )
    try:
        with relay, worker.running():
            assert relay.producer == "java"
            relay.wait_streaming()
            with Session(writer) as session, session.begin():
                publish(session, event)

            def delivered() -> bool:
                with reader.connect() as connection:
                    found = connection.execute(
                        sa.text("SELECT parcel FROM delivered WHERE event = :id"), {"id": event.id}
                    ).scalars()
                    return list(found) == ["p-1"]

            eventually(delivered, timeout=60, what="the parcel crossing SASL_SSL")
        assert not relay.errors
    finally:
        writer.dispose()
        reader.dispose()


def test_a_producer_with_a_wrong_password_never_writes(secured: KafkaCluster) -> None:
    assert secured.security is not None
    wrong = secured.security.client("relay", password="guess")

    def produce() -> None:
        producer = KafkaProducer(
            bootstrap_servers=secured.bootstrap_servers, **wrong.kafka_python(), max_block_ms=5000
        )
        producer.send(TOPIC, b"should never arrive").get(timeout=5)

    with pytest.raises(KafkaError):
        produce()


def _postroom(args: list[str], password: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "POSTROOM_KAFKA_SASL_PASSWORD": password}
    return subprocess.run(
        [sys.executable, "-m", "postroom.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_the_cli_reaches_the_secured_broker_with_its_flags(secured: KafkaCluster) -> None:
    assert secured.security is not None
    flags = [
        "dlq", "list", "--json", "--bootstrap-servers", secured.bootstrap_servers,
        "--kafka-security-protocol", "SASL_SSL",
        "--kafka-ssl-cafile", str(secured.security.certificates.ca_file),
        "--kafka-sasl-username", "inbox",
    ]  # fmt: skip

    allowed = _postroom(flags, secured.security.users["inbox"])
    refused = _postroom(flags, "wrong")
    plaintext = _postroom(flags[:5], "")

    assert allowed.returncode == 0, allowed.stderr
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1, refused.stderr
    assert "invalid credentials" in refused.stderr
    assert plaintext.returncode == 2 and plaintext.stderr.count("\n") == 1, plaintext.stderr
