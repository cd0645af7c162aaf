"""users' inbox handlers: each runs inside the transaction that records the message."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from postroom.inbox import HandlerRegistry, InboxMessage
from postroom.services.users._tables import profile

__all__ = ["TOPIC", "registry"]

TOPIC = "outbox.event.user"

registry = HandlerRegistry()


@registry.on("UserRegistered")
def create_profile(session: Session, message: InboxMessage) -> None:
    payload = message.payload
    session.execute(
        pg_insert(profile)
        .values(
            user_id=uuid.UUID(payload["user_id"]),
            email=payload["email"],
            event_created_at=message.timestamp,
            handled_at=datetime.now(UTC),
            source_event_id=message.id,
        )
        .on_conflict_do_nothing()
    )
