"""Every event type is signed by exactly the services that publish it, and trusted from
those services only: one service per topic, except privacy's reply topic, which every
participant of the privacy sagas answers on (each with its own key)."""

from __future__ import annotations

from postroom.outbox import wire
from postroom.privacy import generate_signing_key
from postroom.services.deployment import (
    PUBLISHERS,
    REPLY_PUBLISHERS,
    SERVICES,
    SIGNERS,
    Deployment,
)
from postroom.services.events import PRIVACY_REPLY_TYPE, catalog
from postroom.services.privacy import PARTICIPANTS


def _publishes(name: str) -> bool:
    # reporting has no database (so no entry in SERVICES): it signs the replies it
    # produces from its cold store itself.
    return name == "reporting" or (name in SERVICES and SERVICES[name].publishes)


def test_every_contract_names_a_publishing_service() -> None:
    for contract in catalog:
        for publisher in PUBLISHERS[contract.aggregate_type]:
            assert _publishes(publisher), (
                f"{contract.event_type} lives in {contract.__module__}, which names no "
                "publishing service: name the module after its producer"
            )


def test_only_the_privacy_replies_have_several_publishers() -> None:
    shared = {aggregate for aggregate, names in PUBLISHERS.items() if len(names) > 1}
    assert shared == {PRIVACY_REPLY_TYPE}
    assert set(REPLY_PUBLISHERS) == {*PARTICIPANTS, "privacy"}


def test_every_signer_gets_a_key_at_provisioning() -> None:
    assert set(SIGNERS) == {n for names in PUBLISHERS.values() for n in names}
    assert all(_publishes(name) for name in SIGNERS)


def test_each_topic_trusts_only_its_publishers_keys() -> None:
    keys = {name: generate_signing_key() for name in SIGNERS}
    deployment = Deployment({}, "127.0.0.1:1", key=None, signing_keys=keys)  # type: ignore[arg-type]
    trusted = deployment.verifier().trusted
    assert set(trusted) == {wire.topic_for(aggregate) for aggregate in PUBLISHERS}
    for aggregate, publishers in PUBLISHERS.items():
        got = {key.public_bytes_raw() for key in trusted[wire.topic_for(aggregate)]}
        assert got == {keys[p].public_key().public_bytes_raw() for p in publishers}
        assert len(got) == len(publishers)
