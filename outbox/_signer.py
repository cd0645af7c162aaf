"""``EventSigner``: what ``Outbox(signer=...)`` needs to sign each event it writes."""

from __future__ import annotations

from typing import Protocol

from postroom.outbox._event import Event

__all__ = ["EventSigner"]


class EventSigner(Protocol):
    """Signs events as they are written to the outbox.

    ``sign`` returns the text of the ``signature`` header for ``event`` (see
    ``wire.signed_content`` for what it covers). It is called inside the caller's
    transaction, so it must not block on the network; raising aborts the publish.
    ``postroom.privacy.EventSigning`` is the Ed25519 implementation.
    """

    def sign(self, event: Event) -> str: ...
