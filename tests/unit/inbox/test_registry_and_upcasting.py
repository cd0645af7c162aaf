"""Handlers are found by event type; old schema versions are upcast, unknown ones refused."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from postroom.inbox import (
    HandlerRegistry,
    InboxMessage,
    UnknownEventTypeError,
    UnknownSchemaVersionError,
)


def message(
    event_type: str = "UserRegistered", version: int = 1, payload: Any = None
) -> InboxMessage:
    return InboxMessage(
        id=uuid.uuid4(),
        type=event_type,
        key="k",
        payload=payload if payload is not None else {"name": "Ada Lovelace"},
        headers={"schemaVersion": str(version)},
        topic="t",
        partition=0,
        offset=0,
    )


def registry_at_v3() -> HandlerRegistry:
    registry = HandlerRegistry()
    registry.on("UserRegistered", version=3)(lambda session, m: None)

    @registry.upcaster("UserRegistered", from_version=1)
    def split_name(payload: Any) -> Any:
        first, last = payload["name"].split(" ", 1)
        return {"first": first, "last": last}

    @registry.upcaster("UserRegistered", from_version=2)
    def add_locale(payload: Any) -> Any:
        return {**payload, "locale": "en"}

    return registry


def test_an_old_version_is_upcast_step_by_step_to_the_handlers_version() -> None:
    resolved = registry_at_v3().resolve(message(version=1))
    assert resolved is not None
    _, current = resolved
    assert current.payload == {"first": "Ada", "last": "Lovelace", "locale": "en"}
    assert current.schema_version == 3


def test_the_current_version_passes_unchanged() -> None:
    original = message(version=3, payload={"first": "A", "last": "B", "locale": "fr"})
    resolved = registry_at_v3().resolve(original)
    assert resolved is not None and resolved[1] is original


def test_a_newer_version_than_the_handler_knows_is_refused() -> None:
    with pytest.raises(UnknownSchemaVersionError, match="version 4 is unknown"):
        registry_at_v3().resolve(message(version=4))


def test_a_gap_in_the_upcaster_chain_is_refused() -> None:
    registry = HandlerRegistry()
    registry.on("UserRegistered", version=2)(lambda session, m: None)
    with pytest.raises(UnknownSchemaVersionError, match=r"no upcaster .* from schema version 1"):
        registry.resolve(message(version=1))


def test_an_unknown_type_is_refused_and_an_ignored_one_is_skipped() -> None:
    registry = HandlerRegistry()
    registry.ignore("Heartbeat")
    assert registry.resolve(message("Heartbeat")) is None
    with pytest.raises(UnknownEventTypeError, match="'Nope'"):
        registry.resolve(message("Nope"))


def test_async_handlers_are_recognised() -> None:
    registry = HandlerRegistry()

    @registry.on("A")
    async def handle(session: Any, m: InboxMessage) -> None:
        return None

    assert registry.registrations()[0].is_async


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda r: r.on(""), ValueError),
        (lambda r: r.on("A", version=0), ValueError),
        (lambda r: r.on("A")("not callable"), TypeError),
        (lambda r: r.upcaster("A", from_version=0)(lambda p: p), ValueError),
        (lambda r: r.ignore(""), ValueError),
    ],
)
def test_bad_registrations_are_refused(call: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        call(HandlerRegistry())


def test_a_type_has_one_handler_and_one_upcaster_per_version() -> None:
    registry = HandlerRegistry()
    registry.on("A")(lambda session, m: None)
    with pytest.raises(ValueError, match="already registered"):
        registry.on("A")(lambda session, m: None)
    registry.upcaster("A", from_version=1)(lambda p: p)
    with pytest.raises(ValueError, match="already exists"):
        registry.upcaster("A", from_version=1)(lambda p: p)
