"""``publish_event``: validate a contract's payload, then ``outbox.publish`` it in the
caller's transaction. Services publish only through here."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from postroom.outbox import Event, publish
from postroom.services.events._contract import Catalog, EventContract, catalog

__all__ = ["publish_event"]


async def publish_event(
    session: AsyncSession,
    contract: EventContract,
    *,
    against: Catalog = catalog,
    **envelope: Any,
) -> Event:
    """Write ``contract`` as an event in ``session``'s open transaction; return the event.

    The payload is checked against the declared contract of its type and version (also
    catching a model built with ``model_construct``, which skips validation), so a
    payload that breaks its contract never reaches the outbox: ``InvalidEventError``.
    """
    event = contract.to_event(**envelope)
    against.validate(event)
    await publish(session, event)
    return event
