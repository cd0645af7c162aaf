"""Upcasters: turn an old schema version of an event's payload into the current one.

An upcaster for ``(event_type, from_version)`` takes the payload of that version and
returns the payload of ``from_version + 1``; a chain of them brings any old message up
to the version its handler declares. A newer version than the handler's, or a gap in
the chain, is an ``UnknownSchemaVersionError`` (a dead letter, reason
``unknown-schema-version``): guessing would corrupt data.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeAlias

from postroom.errors import UnknownSchemaVersionError
from postroom.inbox._message import InboxMessage
from postroom.outbox import wire

__all__ = ["Upcaster", "Upcasters"]

#: Payload of version N in, payload of version N + 1 out.
Upcaster: TypeAlias = Callable[[Any], Any]


class Upcasters:
    """Upcasters by (event type, from version)."""

    def __init__(self) -> None:
        self._upcasters: dict[tuple[str, int], Upcaster] = {}

    def register(self, event_type: str, from_version: int, upcaster: Upcaster) -> None:
        if not event_type:
            raise ValueError("event_type must be a non-empty string")
        if from_version < 1:
            raise ValueError(f"from_version must be >= 1, got {from_version}")
        if (event_type, from_version) in self._upcasters:
            raise ValueError(f"an upcaster for {event_type!r} v{from_version} already exists")
        self._upcasters[(event_type, from_version)] = upcaster

    def upcast(self, message: InboxMessage, to_version: int) -> InboxMessage:
        """``message`` at ``to_version``: unchanged if already there, else upcast step by step."""
        version = message.schema_version
        if version == to_version:
            return message
        if version > to_version or version < 1:
            raise UnknownSchemaVersionError(
                f"{message.type} schema version {version} is unknown to this consumer "
                f"(it handles version {to_version})"
            )
        payload = message.payload
        for step in range(version, to_version):
            upcaster = self._upcasters.get((message.type, step))
            if upcaster is None:
                raise UnknownSchemaVersionError(
                    f"no upcaster for {message.type} from schema version {step} to {step + 1}"
                )
            payload = upcaster(payload)
        headers = {**message.headers, wire.SCHEMA_VERSION_HEADER: str(to_version)}
        return dataclasses.replace(message, payload=payload, headers=headers)
