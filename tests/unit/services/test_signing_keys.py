"""Every event type is signed by exactly the service that publishes it, and trusted
from that service only."""

from __future__ import annotations

from postroom.outbox import wire
from postroom.privacy import generate_signing_key
from postroom.services.deployment import PUBLISHER, SERVICES, Deployment
from postroom.services.events import catalog


def test_every_contract_names_a_publishing_service() -> None:
    for contract in catalog:
        publisher = PUBLISHER[contract.aggregate_type]
        assert publisher in SERVICES and SERVICES[publisher].publishes, (
            f"{contract.event_type} lives in {contract.__module__}, which names no "
            "publishing service: name the module after its producer"
        )


def test_each_topic_trusts_only_its_publishers_key() -> None:
    keys = {name: generate_signing_key() for name in set(PUBLISHER.values())}
    deployment = Deployment({}, "127.0.0.1:1", key=None, signing_keys=keys)  # type: ignore[arg-type]
    trusted = deployment.verifier().trusted
    assert set(trusted) == {wire.topic_for(aggregate) for aggregate in PUBLISHER}
    for aggregate, publisher in PUBLISHER.items():
        (only,) = trusted[wire.topic_for(aggregate)]
        assert only.public_bytes_raw() == keys[publisher].public_key().public_bytes_raw()
