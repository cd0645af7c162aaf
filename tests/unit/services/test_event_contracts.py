"""Event contracts: a payload is checked against its declared model before it is
published; ``postroom events check`` fails on a breaking change without a new version
and upcaster; the AsyncAPI document validates against the AsyncAPI 3.0.0 schema."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import ClassVar

import jsonschema
import pytest

from postroom.cli import main
from postroom.outbox import Event, InvalidEventError, wire
from postroom.services.events import (
    Catalog,
    EventContract,
    TitleWatched,
    UserRegistered,
    asyncapi_document,
    breaking_changes,
    catalog,
    snapshot,
    write_snapshot,
)

HERE = Path(__file__).parent


def shipped_catalog(*, with_carrier: bool) -> Catalog:
    """A catalog with one event, ``ParcelShipped`` v1 (with or without ``carrier``)."""
    parcels = Catalog()

    @parcels.register
    class ParcelShipped(EventContract):
        event_type: ClassVar[str] = "ParcelShipped"
        aggregate_type: ClassVar[str] = "parcel"
        parcel_id: str
        if with_carrier:
            carrier: str

        def aggregate_id(self) -> str:
            return self.parcel_id

    return parcels


def test_a_contract_makes_a_valid_event() -> None:
    user_id = uuid.uuid4()
    event = UserRegistered(user_id=user_id, email="ada@example.com", action="create").to_event()

    assert (event.type, event.aggregate_type, event.aggregate_id) == (
        "UserRegistered", "user", str(user_id),
    )  # fmt: skip
    assert event.payload == {
        "user_id": str(user_id),
        "email": "ada@example.com",
        "action": "create",
    }
    assert event.subject_id == str(user_id)
    catalog.validate(event)


@pytest.mark.parametrize(
    ("payload", "why"),
    [
        ({"user_id": "not-a-uuid", "action": "create"}, "user_id"),
        ({"user_id": str(uuid.uuid4()), "action": "resurrect"}, "action"),
        ({"user_id": str(uuid.uuid4()), "action": "create", "password": "x"}, "password"),
    ],
    ids=["bad-type", "bad-value", "extra-field"],
)
def test_a_payload_that_breaks_its_contract_is_refused(payload: dict[str, str], why: str) -> None:
    event = Event(aggregate_type="user", aggregate_id="u", type="UserRegistered", payload=payload)

    with pytest.raises(InvalidEventError, match=why):
        catalog.validate(event)


def test_an_undeclared_type_or_version_is_refused() -> None:
    unknown = Event(aggregate_type="user", aggregate_id="u", type="UserVanished", payload={})
    future = Event(
        aggregate_type="watch", aggregate_id="u", type=TitleWatched.event_type, payload={},
        schema_version=2,
    )  # fmt: skip

    with pytest.raises(InvalidEventError, match="no contract declares UserVanished"):
        catalog.validate(unknown)
    with pytest.raises(InvalidEventError, match="schema version 2"):
        catalog.validate(future)


def test_the_committed_snapshot_matches_the_contracts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["events", "check"]) == 0
    assert capsys.readouterr().out.startswith("ok:")


def test_check_fails_on_a_field_removed_without_a_new_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    committed = tmp_path / "snapshot.json"
    write_snapshot(committed, shipped_catalog(with_carrier=True))
    import postroom.services.events as events_module

    events_module.parcels = shipped_catalog(with_carrier=False)  # type: ignore[attr-defined]
    try:
        code = main(["events", "check", "--snapshot", str(committed),
                     "--catalog", "postroom.services.events:parcels"])  # fmt: skip
    finally:
        del events_module.parcels  # type: ignore[attr-defined]

    assert code == 1
    out = capsys.readouterr().out
    assert "ParcelShipped.v1: field 'carrier' was removed" in out
    assert "needs a new schema version (v2)" in out


def test_a_new_version_with_an_upcaster_is_not_breaking() -> None:
    old = snapshot(shipped_catalog(with_carrier=True))
    parcels = Catalog()

    @parcels.register
    class ParcelShippedV2(EventContract):
        event_type: ClassVar[str] = "ParcelShipped"
        aggregate_type: ClassVar[str] = "parcel"
        schema_version: ClassVar[int] = 2
        parcel_id: str

        def aggregate_id(self) -> str:
            return self.parcel_id

    assert breaking_changes(old, parcels) == [
        "ParcelShipped.v1: changed, and ParcelShipped v2 has no upcaster from v1"
    ]

    @parcels.upcaster("ParcelShipped", from_version=1)
    def drop_carrier(payload: dict[str, object]) -> dict[str, object]:
        return {k: v for k, v in payload.items() if k != "carrier"}

    assert breaking_changes(old, parcels) == []


def test_a_newly_required_field_or_a_new_type_is_breaking() -> None:
    old = snapshot(shipped_catalog(with_carrier=False))

    assert breaking_changes(old, shipped_catalog(with_carrier=True))[0] == (
        "ParcelShipped.v1: field 'carrier' is newly required"
    )


def test_the_asyncapi_document_validates_against_the_asyncapi_3_schema() -> None:
    # The official AsyncAPI 3.0.0 JSON Schema (asyncapi/spec-json-schemas, Apache-2.0).
    schema = json.loads((HERE / "asyncapi-3.0.0.schema.json").read_text())
    document = asyncapi_document()

    jsonschema.Draft7Validator(schema).validate(document)
    assert set(document["channels"]) == {
        "access",
        "privacy",
        "privacy_reply",
        "profile",
        "user",
        "watch",
    }
    assert document["channels"]["user"]["address"] == "outbox.event.user"
    assert "UserRegistered.v1" in document["components"]["messages"]


def test_the_asyncapi_schema_would_catch_a_broken_document() -> None:
    schema = json.loads((HERE / "asyncapi-3.0.0.schema.json").read_text())
    document = asyncapi_document()
    document["operations"]["publish_user"]["action"] = "publish"  # AsyncAPI 2 wording

    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(schema).validate(document)


def test_postroom_events_asyncapi_writes_the_document(tmp_path: Path) -> None:
    out = tmp_path / "asyncapi.json"

    assert main(["events", "asyncapi", "--out", str(out)]) == 0
    assert json.loads(out.read_text()) == asyncapi_document()


def test_a_catalogs_upcasters_reach_a_consumers_registry() -> None:
    from postroom.inbox import HandlerRegistry, InboxMessage

    parcels = Catalog()

    @parcels.upcaster("ParcelShipped", from_version=1)
    def rename(payload: dict[str, object]) -> dict[str, object]:
        return {"parcel_id": payload["id"]}

    registry = HandlerRegistry()
    parcels.install_upcasters(registry)
    old = InboxMessage(uuid.uuid4(), "ParcelShipped", "p", {"id": "p1"},
                       {wire.SCHEMA_VERSION_HEADER: "1"}, "outbox.event.parcel", 0, 0)  # fmt: skip

    assert registry.upcasters.upcast(old, 2).payload == {"parcel_id": "p1"}
