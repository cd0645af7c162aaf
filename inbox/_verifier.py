"""``MessageVerifier``: what ``InboxConfig(verifier=...)`` needs to check a message's
signature before any handler sees it."""

from __future__ import annotations

from typing import Protocol

from postroom.inbox._message import InboxMessage

__all__ = ["MessageVerifier"]


class MessageVerifier(Protocol):
    """Checks where a decoded message comes from.

    ``verify`` returns if ``message``, read from ``topic`` (its original topic, also for
    records on a retry topic), is authentic, and raises ``BadSignatureError`` (or its
    subclass ``MissingSignatureError``) if not: the record goes to the dead letters with
    that reason, unhandled, and the partition moves on. It runs once per delivery
    attempt, outside the database transaction. ``postroom.privacy.SignatureVerifier`` is
    the Ed25519 implementation.
    """

    def verify(self, message: InboxMessage, topic: str) -> None: ...
