"""Handlers by event type: what a consumer does with each event it understands."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeAlias

from sqlalchemy.orm import Session

from inbox._message import InboxMessage

__all__ = ["Handler", "HandlerRegistry"]

#: A handler runs inside the inbox transaction: write through ``session``, never commit.
Handler: TypeAlias = Callable[[Session, InboxMessage], None]


class HandlerRegistry:
    """Maps event types to handlers. ``@registry.on("UserRegistered")`` registers one."""

    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}
        self._ignored: set[str] = set()

    def on(self, event_type: str) -> Callable[[Handler], Handler]:
        if not event_type:
            raise ValueError("event_type must be a non-empty string")

        def register(handler: Handler) -> Handler:
            if event_type in self._handlers:
                raise ValueError(f"a handler for {event_type!r} is already registered")
            self._handlers[event_type] = handler
            return handler

        return register

    def ignore(self, *event_types: str) -> None:
        """Event types this consumer sees on its topics but deliberately does nothing with."""
        self._ignored.update(event_types)

    def is_ignored(self, event_type: str) -> bool:
        return event_type in self._ignored

    def handler_for(self, event_type: str) -> Handler | None:
        return self._handlers.get(event_type)
