"""``EventContract``: an event type declared once, as a pydantic model with its schema
version, and the ``Catalog`` of every contract and upcaster.

    @catalog.register
    class UserDeactivated(EventContract):
        event_type: ClassVar[str] = "UserDeactivated"
        aggregate_type: ClassVar[str] = "user"
        schema_version: ClassVar[int] = 1
        user_id: UUID

        def aggregate_id(self) -> str:
            return str(self.user_id)

A new schema version is a new class (same ``event_type``, ``schema_version + 1``) plus an
upcaster from the previous version, so consumers still on the old payload keep working.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from postroom.inbox import HandlerRegistry
from postroom.outbox import Event, InvalidEventError

__all__ = ["Catalog", "EventContract", "Upcaster", "catalog"]

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
C = TypeVar("C", bound="type[EventContract]")


class EventContract(BaseModel):
    """The payload of one event type at one schema version."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_type: ClassVar[str]
    aggregate_type: ClassVar[str]
    schema_version: ClassVar[int] = 1
    #: One line for the AsyncAPI document (defaults to the class docstring's first line).
    summary: ClassVar[str] = ""

    def aggregate_id(self) -> str:
        """The Kafka key: events of one aggregate keep their order."""
        raise NotImplementedError

    def subject_id(self) -> str | None:
        """The data subject (a user id) this event is about, if any."""
        return None

    def to_event(self, **envelope: Any) -> Event:
        """This payload in an outbox ``Event`` (``envelope``: ``correlation_id`` etc.)."""
        return Event(
            aggregate_type=self.aggregate_type,
            aggregate_id=self.aggregate_id(),
            type=self.event_type,
            payload=self.model_dump(mode="json"),
            schema_version=self.schema_version,
            subject_id=self.subject_id(),
            **envelope,
        )


class Catalog:
    """Every contract by (event type, schema version), and the upcasters between them."""

    def __init__(self) -> None:
        self._contracts: dict[tuple[str, int], type[EventContract]] = {}
        self.upcasters: dict[tuple[str, int], Upcaster] = {}

    def register(self, contract: C) -> C:
        key = (contract.event_type, contract.schema_version)
        if key in self._contracts:
            raise ValueError(f"{key[0]} v{key[1]} is already declared")
        self._contracts[key] = contract
        return contract

    def upcaster(self, event_type: str, *, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Register the decorated function turning ``from_version`` payloads into the next."""

        def register(function: Upcaster) -> Upcaster:
            self.upcasters[(event_type, from_version)] = function
            return function

        return register

    def install_upcasters(self, registry: HandlerRegistry) -> None:
        """Give a consumer's ``registry`` every upcaster declared here (declared once)."""
        for (event_type, from_version), function in sorted(self.upcasters.items()):
            registry.upcaster(event_type, from_version=from_version)(function)

    def __iter__(self) -> Iterator[type[EventContract]]:
        return iter(sorted(self._contracts.values(), key=_order))

    def contract(self, event_type: str, schema_version: int) -> type[EventContract]:
        try:
            return self._contracts[(event_type, schema_version)]
        except KeyError:
            raise InvalidEventError(
                f"no contract declares {event_type} schema version {schema_version}"
            ) from None

    def latest(self, event_type: str) -> type[EventContract]:
        versions = [c for (t, _), c in self._contracts.items() if t == event_type]
        if not versions:
            raise InvalidEventError(f"no contract declares event type {event_type!r}")
        return max(versions, key=lambda c: c.schema_version)

    def validate(self, event: Event) -> None:
        """Raise ``InvalidEventError`` unless ``event`` matches its contract exactly."""
        contract = self.contract(event.type, event.schema_version)
        if event.aggregate_type != contract.aggregate_type:
            raise InvalidEventError(
                f"{event.type} belongs to aggregate type {contract.aggregate_type!r}, "
                f"not {event.aggregate_type!r}"
            )
        try:
            contract.model_validate(event.payload)
        except ValidationError as exc:
            raise InvalidEventError(
                f"{event.type} v{event.schema_version} payload breaks its contract: {exc}"
            ) from exc


def _order(contract: type[EventContract]) -> tuple[str, str, int]:
    return (contract.aggregate_type, contract.event_type, contract.schema_version)


#: The reference services' contracts (each producer's module registers its own).
catalog = Catalog()
