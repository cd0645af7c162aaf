"""Least privilege in PostgreSQL, on a real server: each service's role opens only its
own database; the relay's role (``migrations.grant_relay_role``) streams the outbox with
``REPLICATION`` and can neither read nor write a business table, nor open another
service's database; and that is enough for the relay to run."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from kafka import KafkaConsumer
from sqlalchemy.orm import Session

from postroom import migrations
from postroom.connectors import ConnectorConfig, Relay, RelaySource, ensure_topics
from postroom.devstack import EmbeddedStack
from postroom.outbox import Event, publish
from postroom.services.platform import ServiceDatabase, provision_database

pytestmark = [pytest.mark.security, pytest.mark.integration]

TOPIC = "outbox.event.invoice"


@pytest.fixture(scope="module")
def services(stack: EmbeddedStack) -> dict[str, ServiceDatabase]:
    admin = stack.postgres.url()
    databases = {name: provision_database(admin, f"least_{name}") for name in ("billing", "crm")}
    for database in databases.values():  # a business table, made by the service's own role
        engine = sa.create_engine(database.url_for("psycopg"), poolclass=sa.NullPool)
        with engine.begin() as connection:
            connection.execute(sa.text("CREATE TABLE invoice (id int PRIMARY KEY, total int)"))
            connection.execute(sa.text("INSERT INTO invoice VALUES (1, 100)"))
        engine.dispose()
    return databases


@pytest.fixture(scope="module")
def relay_url(services: dict[str, ServiceDatabase]) -> str:
    return migrations.grant_relay_role(services["billing"].admin_url, "least_billing_relay")


@pytest.fixture
def as_relay(relay_url: str) -> Iterator[sa.Connection]:
    engine = sa.create_engine(relay_url, poolclass=sa.NullPool)
    with engine.connect() as connection:
        yield connection
    engine.dispose()


def test_the_relay_role_is_a_replication_role_and_nothing_more(as_relay: sa.Connection) -> None:
    role = as_relay.execute(
        sa.text(
            "SELECT rolreplication, rolsuper, rolcreatedb, rolcreaterole, rolbypassrls "
            "FROM pg_roles WHERE rolname = current_user"
        )
    ).one()
    assert tuple(role) == (True, False, False, False, False)


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO invoice VALUES (2, 5)",
        "UPDATE invoice SET total = 0",
        "DELETE FROM invoice",
        "TRUNCATE invoice",
        "SELECT * FROM invoice",
        "CREATE TABLE sneaky (id int)",
        "DELETE FROM postroom_outbox_settings",
    ],
)
def test_the_relay_role_cannot_touch_business_tables(
    as_relay: sa.Connection, statement: str
) -> None:
    with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
        as_relay.execute(sa.text(statement))
    as_relay.rollback()


def test_the_relay_role_reads_the_outbox_record(as_relay: sa.Connection) -> None:
    assert as_relay.execute(sa.text("SELECT count(*) FROM postroom_outbox_settings")).scalar()


def test_the_relay_role_cannot_open_another_services_database(
    relay_url: str, services: dict[str, ServiceDatabase]
) -> None:
    foreign = sa.engine.make_url(relay_url).set(database=services["crm"].name)
    engine = sa.create_engine(foreign, poolclass=sa.NullPool)
    with pytest.raises(sa.exc.OperationalError, match="permission denied for database"):
        engine.connect()
    engine.dispose()


def test_a_service_role_cannot_open_or_read_another_services_database(
    services: dict[str, ServiceDatabase],
) -> None:
    crm_as_billing = sa.engine.make_url(services["billing"].url_for("psycopg")).set(
        database=services["crm"].name
    )
    engine = sa.create_engine(crm_as_billing, poolclass=sa.NullPool)
    with pytest.raises(sa.exc.OperationalError, match="permission denied for database"):
        engine.connect()
    engine.dispose()
    own = sa.create_engine(services["billing"].url_for("psycopg"), poolclass=sa.NullPool)
    with own.connect() as connection:
        assert connection.execute(sa.text("SELECT total FROM invoice")).scalar() == 100
        assert not connection.execute(
            sa.text("SELECT rolsuper OR rolreplication FROM pg_roles WHERE rolname = current_user")
        ).scalar()
    own.dispose()


def test_those_privileges_are_enough_for_the_relay(
    stack: EmbeddedStack, services: dict[str, ServiceDatabase], relay_url: str, tmp_path: Path
) -> None:
    ensure_topics(stack.bootstrap_servers, [TOPIC])
    relay = Relay(
        [RelaySource(ConnectorConfig.from_url("least_billing", relay_url), relay_url)],
        bootstrap_servers=stack.bootstrap_servers,
        state_dir=tmp_path / "relay",
    )
    event = Event(
        aggregate_type="invoice", aggregate_id="1", type="InvoiceIssued", payload={"n": 1}
    )
    consumer = KafkaConsumer(
        TOPIC,
        bootstrap_servers=stack.bootstrap_servers,
        auto_offset_reset="earliest",
        consumer_timeout_ms=60_000,
        group_id=f"least-{uuid.uuid4()}",
    )
    writer = sa.create_engine(services["billing"].url_for("psycopg"), poolclass=sa.NullPool)
    try:
        with relay:
            relay.wait_streaming()
            with Session(writer) as session, session.begin():  # as billing's own role
                publish(session, event)
            wanted = str(event.id).encode()
            arrived = next((r for r in consumer if dict(r.headers)["id"] == wanted), None)
            assert arrived is not None, "the relay's event never reached Kafka"
        assert not relay.errors
    finally:
        consumer.close()
        writer.dispose()


def test_the_relay_role_can_run_the_heartbeat_query(
    as_relay: sa.Connection, relay_url: str
) -> None:
    for statement in ConnectorConfig.from_url("relay", relay_url).heartbeat_query.split("; "):
        as_relay.execute(sa.text(statement))
    as_relay.rollback()
