"""Events signed by their source verify; anything altered, unsigned or signed by another
source does not, and the inbox dead-letters it with the reason."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from postroom.errors import BadSignatureError, ConfigurationError, MissingSignatureError
from postroom.inbox import (
    AfterCommit,
    Failure,
    HandlerRegistry,
    InboxMessage,
    Outcome,
    RetryPolicy,
    decode_record,
    deliver,
)
from postroom.inbox.testing import MemoryInbox, MemoryRecord, record_for
from postroom.outbox import Event, wire
from postroom.privacy import (
    EventSigning,
    SignatureVerifier,
    generate_signing_key,
    load_private_key,
    load_public_key,
    private_key_pem,
    public_key_pem,
)

USERS = generate_signing_key()
AUTH = generate_signing_key()
TOPIC = wire.topic_for("profile")
VERIFIER = SignatureVerifier({TOPIC: USERS.public_key(), "outbox.event.user": AUTH.public_key()})

pytestmark = pytest.mark.privacy


def event(**payload: object) -> Event:
    return Event(
        aggregate_type="profile",
        aggregate_id="user-1",
        type="ProfileUpdated",
        payload=payload or {"user_id": "user-1", "display_name": "pr1.xyz", "n": 2.5},
        schema_version=2,
    )


def signed(e: Event, key: Ed25519PrivateKey = USERS) -> MemoryRecord:
    return record_for(e, signer=EventSigning(key))


def test_a_signed_event_verifies_even_after_the_relay_reorders_its_payload() -> None:
    record = signed(event())
    reordered = json.dumps(dict(reversed(json.loads(record.value or b"").items()))).encode()
    VERIFIER.verify(decode_record(dataclasses.replace(record, value=reordered)), TOPIC)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda r: dataclasses.replace(r, value=r.value.replace(b"pr1.xyz", b"pr1.abc")),
        lambda r: dataclasses.replace(r, key=b"user-2"),
        lambda r: dataclasses.replace(
            r, headers=[(n, b"Renamed" if n == "eventType" else v) for n, v in r.headers]
        ),
        lambda r: dataclasses.replace(
            r, headers=[(n, b"1" if n == "schemaVersion" else v) for n, v in r.headers]
        ),
    ],
    ids=["payload", "key", "event-type", "schema-version"],
)
def test_an_altered_event_fails(tamper: object) -> None:
    record = tamper(signed(event()))  # type: ignore[operator]
    with pytest.raises(BadSignatureError, match="does not verify"):
        VERIFIER.verify(decode_record(record), TOPIC)


def test_another_sources_key_can_not_sign_for_this_topic() -> None:
    with pytest.raises(BadSignatureError, match="does not verify"):
        VERIFIER.verify(decode_record(signed(event(), AUTH)), TOPIC)


def test_an_unsigned_event_is_missing_its_signature() -> None:
    with pytest.raises(MissingSignatureError):
        VERIFIER.verify(decode_record(record_for(event())), TOPIC)


def test_a_topic_nobody_is_trusted_for_refuses_everything() -> None:
    with pytest.raises(BadSignatureError, match="no key is trusted"):
        VERIFIER.verify(decode_record(signed(event())), "outbox.event.other")


def test_a_signature_that_is_not_base64_is_bad() -> None:
    record = record_for(event())
    record = dataclasses.replace(record, headers=[*record.headers, ("signature", b"%%%")])
    with pytest.raises(BadSignatureError, match="not base64"):
        VERIFIER.verify(decode_record(record), TOPIC)


def test_a_rotated_key_verifies_while_both_are_trusted() -> None:
    new = generate_signing_key()
    verifier = SignatureVerifier({TOPIC: [USERS.public_key(), new.public_key()]})
    verifier.verify(decode_record(signed(event(), new)), TOPIC)
    verifier.verify(decode_record(signed(event(), USERS)), TOPIC)


def test_keys_round_trip_through_pem_and_other_keys_are_refused() -> None:
    again = load_private_key(private_key_pem(USERS))
    assert public_key_pem(again) == public_key_pem(load_public_key(public_key_pem(USERS)))
    with pytest.raises(ConfigurationError):
        load_public_key("not a key")


def test_signing_by_aggregate_type_refuses_a_type_it_has_no_key_for() -> None:
    signing = EventSigning(by_aggregate_type={"user": AUTH})
    with pytest.raises(ConfigurationError, match="no signing key"):
        signing.sign(event())


class Handled:
    """A processor that handles everything (the delivery policy is what is tested)."""

    def __init__(self) -> None:
        self.seen: list[InboxMessage] = []

    @property
    def after_commit(self) -> list[AfterCommit]:
        return []

    def process(self, message: InboxMessage) -> Outcome:
        self.seen.append(message)
        return Outcome.HANDLED

    def process_batch(self, messages: Sequence[InboxMessage]) -> list[Outcome]:
        return [self.process(m) for m in messages]


@pytest.mark.parametrize(
    ("record", "reason"),
    [(record_for(event()), "missing-signature"), (signed(event(), AUTH), "bad-signature")],
)
def test_delivery_dead_letters_a_bad_signature_before_any_handler(
    record: MemoryRecord, reason: str
) -> None:
    processor = Handled()
    verdict = deliver(
        processor, record, RetryPolicy(), max_bytes=10_000, verifier=VERIFIER, origin_topic=TOPIC
    )
    assert isinstance(verdict, Failure)
    assert (verdict.reason, verdict.final, processor.seen) == (reason, True, [])
    good = deliver(processor, signed(event()), RetryPolicy(), max_bytes=10_000, verifier=VERIFIER)
    assert good is Outcome.HANDLED and len(processor.seen) == 1


def test_the_memory_inbox_dead_letters_what_fails_verification_before_the_database() -> None:
    never_connected = sa.create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    registry = HandlerRegistry()
    registry.ignore("ProfileUpdated")
    memory = MemoryInbox(registry, never_connected, verifier=VERIFIER)
    memory.publish(event())
    memory.publish(event(), signer=EventSigning(AUTH))

    memory.run()

    assert [letter.reason for letter in memory.dead_letters] == [
        "missing-signature",
        "bad-signature",
    ]
