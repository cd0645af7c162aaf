"""``Outbox(signer=...)`` through the real relay: the ``signature`` header arrives and
verifies, in both modes that support it; a database not migrated for signing refuses."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from kafka import KafkaConsumer
from sqlalchemy.orm import Session

from postroom.connectors import ConnectorConfig, Relay, RelaySource, ensure_topics
from postroom.devstack import EmbeddedStack
from postroom.errors import MissingSignatureError, OutboxConfigError
from postroom.inbox import decode_record
from postroom.outbox import Event, Outbox, OutboxMode, publish, wire
from postroom.privacy import EventSigning, SignatureVerifier, generate_signing_key

pytestmark = pytest.mark.privacy

MakeDatabase = Callable[..., tuple[str, sa.Engine]]
KEY = generate_signing_key()


def order(aggregate_type: str) -> Event:
    return Event(
        aggregate_type=aggregate_type,
        aggregate_id="order-7",
        type="OrderPlaced",
        payload={"b": [1, 2.5, None], "a": "ü", "nested": {"z": True, "y": "x"}},
        schema_version=3,
    )


@pytest.mark.parametrize("mode", ["table", "wal-message"])
def test_a_signed_event_arrives_with_a_signature_that_verifies_and_an_unsigned_one_without(
    stack: EmbeddedStack, new_database: MakeDatabase, tmp_path: Path, mode: OutboxMode
) -> None:
    url, engine = new_database(
        "signed", mode=mode, extra_header_columns={wire.SIGNATURE_COLUMN: wire.SIGNATURE_HEADER}
    )
    event = order(f"signed{tmp_path.name[-6:].replace('-', '').replace('_', '')}")
    topic = wire.topic_for(event.aggregate_type)
    ensure_topics(stack.bootstrap_servers, [topic])
    config = ConnectorConfig.from_url(f"{sa.make_url(url).database}", url)
    relay = Relay(
        [RelaySource(config, url)], bootstrap_servers=stack.bootstrap_servers, state_dir=tmp_path
    ).start()
    try:
        relay.wait_streaming()
        unsigned = order(event.aggregate_type)
        with Session(engine) as session, session.begin():
            publish(session, event, outbox=Outbox(signer=EventSigning(KEY)))
            publish(session, unsigned)  # the same database, a publisher without a key
        consumer = KafkaConsumer(
            topic,
            bootstrap_servers=stack.bootstrap_servers,
            auto_offset_reset="earliest",
            consumer_timeout_ms=30_000,
        )
        try:
            records = [record for _, record in zip(range(2), consumer, strict=False)]
        finally:
            consumer.close()
    finally:
        relay.stop()

    signed, plain = (decode_record(record) for record in records)
    assert (signed.id, plain.id) == (event.id, unsigned.id)
    assert signed.headers[wire.SIGNATURE_HEADER]
    verifier = SignatureVerifier({topic: KEY.public_key()})
    verifier.verify(signed, topic)
    assert wire.SIGNATURE_HEADER not in plain.headers
    with pytest.raises(MissingSignatureError):
        verifier.verify(plain, topic)


def test_signing_refuses_a_database_without_the_signature_column(
    new_database: MakeDatabase,
) -> None:
    _, engine = new_database("unsigned")
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE business (id int PRIMARY KEY)"))

    with Session(engine) as session:
        session.execute(sa.text("INSERT INTO business VALUES (1)"))
        with pytest.raises(OutboxConfigError, match="signature header column"):
            publish(session, order("unsigned"), outbox=Outbox(signer=EventSigning(KEY)))
        session.commit()

    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM business")).scalar() == 0
