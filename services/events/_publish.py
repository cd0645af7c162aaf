"""``publish_event``: validate a contract's payload, then ``outbox.publish`` it in the
caller's transaction. Services publish only through here, so ``sign_events_with`` makes
every event a service publishes signed with its own key (chosen by its database)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from postroom.outbox import Event, EventSigner, Outbox, publish
from postroom.services.events._contract import Catalog, EventContract, catalog

__all__ = ["publish_event", "sign_events_with"]

_UNSIGNED = Outbox()
_signed: dict[str, Outbox] = {}


def sign_events_with(signer: EventSigner | None, *, database: str) -> None:
    """Sign every event published to ``database`` (a service's database name) from now
    on (``None``: unsigned again). That database must be migrated with the signature
    header column (``postroom.privacy.signed_outbox_settings``)."""
    if signer is None:
        _signed.pop(database, None)
    else:
        _signed[database] = Outbox(signer=signer)


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
    outbox = _UNSIGNED
    if _signed:
        database = (await session.connection()).engine.url.database or ""
        outbox = _signed.get(database, _UNSIGNED)
    await publish(session, event, outbox=outbox)
    return event
