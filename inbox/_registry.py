"""Handlers by event type: what a consumer does with each event it understands.

A handler runs inside the inbox transaction and writes through the session it is given,
never committing itself. Sync handlers take a ``Session`` (``InboxProcessor``), async
ones an ``AsyncSession`` (``AsyncInboxProcessor``); each declares the schema version of
the payload it expects, and upcasters bring older messages up to it.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from postroom.errors import UnknownEventTypeError
from postroom.inbox._message import InboxMessage
from postroom.inbox._upcasting import Upcaster, Upcasters

__all__ = ["AsyncHandler", "Handler", "HandlerRegistry", "Registration"]

#: A sync handler: write through ``session``, never commit.
Handler: TypeAlias = Callable[[Session, InboxMessage], None]
#: An async handler: write through the ``AsyncSession``, never commit.
AsyncHandler: TypeAlias = Callable[[AsyncSession, InboxMessage], Awaitable[None]]

H = TypeVar("H", Handler, AsyncHandler)


@dataclass(frozen=True, slots=True)
class Registration:
    """One event type's handler and the schema version of the payload it expects."""

    event_type: str
    handler: Callable[..., Any]
    version: int
    is_async: bool


class HandlerRegistry:
    """Maps event types to handlers. ``@registry.on("UserRegistered")`` registers one."""

    def __init__(self) -> None:
        self._registrations: dict[str, Registration] = {}
        self._ignored: set[str] = set()
        self.upcasters = Upcasters()

    def on(self, event_type: str, *, version: int = 1) -> Callable[[H], H]:
        """Register the decorated function for ``event_type`` at schema ``version``."""
        if not event_type or not isinstance(event_type, str):
            raise ValueError("event_type must be a non-empty string")
        if version < 1:
            raise ValueError(f"version must be >= 1, got {version}")

        def register(handler: H) -> H:
            if not callable(handler):
                raise TypeError(f"a handler must be callable, got {handler!r}")
            if event_type in self._registrations:
                raise ValueError(f"a handler for {event_type!r} is already registered")
            if event_type in self._ignored:
                raise ValueError(f"{event_type!r} is ignored; it can't also have a handler")
            self._registrations[event_type] = Registration(
                event_type, handler, version, inspect.iscoroutinefunction(handler)
            )
            return handler

        return register

    def upcaster(self, event_type: str, *, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Register the decorated function turning ``from_version`` payloads into the next."""

        def register(upcaster: Upcaster) -> Upcaster:
            self.upcasters.register(event_type, from_version, upcaster)
            return upcaster

        return register

    def ignore(self, *event_types: str) -> None:
        """Event types this consumer sees on its topics but deliberately does nothing with."""
        for event_type in event_types:
            if not event_type or not isinstance(event_type, str):
                raise ValueError(f"event types must be non-empty strings, got {event_type!r}")
            if event_type in self._registrations:
                raise ValueError(f"{event_type!r} has a handler; it can't also be ignored")
        self._ignored.update(event_types)

    def registrations(self) -> list[Registration]:
        return list(self._registrations.values())

    def resolve(self, message: InboxMessage) -> tuple[Registration, InboxMessage] | None:
        """The registration for ``message`` and the message upcast to its version.

        None if the type is ignored; ``UnknownEventTypeError`` if nobody handles it;
        ``UnknownSchemaVersionError`` if its version can't be brought to the handler's.
        """
        if message.type in self._ignored:
            return None
        registration = self._registrations.get(message.type)
        if registration is None:
            raise UnknownEventTypeError(f"no handler for event type {message.type!r}")
        return registration, self.upcasters.upcast(message, registration.version)
