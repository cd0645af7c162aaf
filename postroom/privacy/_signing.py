"""Signed events: each service signs what it publishes (Ed25519), consumers verify.

The writer: ``Outbox(signer=EventSigning(private_key))`` signs ``wire.signed_content``
of every event; the signature travels as the ``signature`` header. The reader:
``InboxConfig(verifier=SignatureVerifier({topic: public_key, ...}))`` checks it before
any handler runs; a record that fails goes to the dead letters with reason
``bad-signature`` or ``missing-signature`` and the partition keeps flowing.

Trust is per source topic: only the keys listed for a topic may sign its events, so one
service's key can not vouch for another service's topic.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from postroom.errors import BadSignatureError, ConfigurationError, MissingSignatureError
from postroom.inbox import InboxMessage
from postroom.outbox import Event, wire

__all__ = [
    "EventSigning",
    "SignatureVerifier",
    "generate_signing_key",
    "load_private_key",
    "load_public_key",
    "private_key_pem",
    "public_key_pem",
    "sign_content",
]


def generate_signing_key() -> Ed25519PrivateKey:
    """A new Ed25519 private key."""
    return Ed25519PrivateKey.generate()


def private_key_pem(key: Ed25519PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def public_key_pem(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def load_private_key(pem: str) -> Ed25519PrivateKey:
    """An Ed25519 private key from PEM text; ``ConfigurationError`` for anything else."""
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise ConfigurationError(f"not a PEM private key: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigurationError(f"events are signed with Ed25519, got {type(key).__name__}")
    return key


def load_public_key(pem: str) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM text; ``ConfigurationError`` for anything else."""
    try:
        key = serialization.load_pem_public_key(pem.encode())
    except (ValueError, TypeError) as exc:
        raise ConfigurationError(f"not a PEM public key: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise ConfigurationError(f"events are signed with Ed25519, got {type(key).__name__}")
    return key


def sign_content(key: Ed25519PrivateKey, content: bytes) -> str:
    """The ``signature`` header text for ``content`` (base64 of the 64-byte signature)."""
    return base64.b64encode(key.sign(content)).decode()


class EventSigning:
    """``outbox.EventSigner`` with one Ed25519 key (one service, one key).

    ``by_aggregate_type`` gives one key per aggregate type instead, for processes that
    host several services' writers (a local deployment, the demo).
    """

    def __init__(
        self,
        key: Ed25519PrivateKey | None = None,
        *,
        by_aggregate_type: Mapping[str, Ed25519PrivateKey] | None = None,
    ) -> None:
        if (key is None) == (by_aggregate_type is None):
            raise ConfigurationError("give EventSigning a key or by_aggregate_type, not both")
        keys = [key] if key is not None else list((by_aggregate_type or {}).values())
        if not keys or not all(isinstance(k, Ed25519PrivateKey) for k in keys):
            raise ConfigurationError("EventSigning needs Ed25519 private keys")
        self._key = key
        self._by_type = dict(by_aggregate_type or {})

    def sign(self, event: Event) -> str:
        key = self._key or self._by_type.get(event.aggregate_type)
        if key is None:
            raise ConfigurationError(
                f"no signing key for aggregate type {event.aggregate_type!r}: nothing written"
            )
        return sign_content(
            key,
            wire.signed_content(
                event.id, event.type, event.aggregate_id, event.schema_version, event.payload
            ),
        )


class SignatureVerifier:
    """``inbox.MessageVerifier``: each topic's records must be signed by a key trusted
    for that topic (several keys: rotation). A topic with no trusted key refuses all."""

    def __init__(
        self, trusted: Mapping[str, Ed25519PublicKey | Sequence[Ed25519PublicKey]]
    ) -> None:
        self.trusted: dict[str, tuple[Ed25519PublicKey, ...]] = {}
        for topic, keys in trusted.items():
            listed = (keys,) if isinstance(keys, Ed25519PublicKey) else tuple(keys)
            if not listed or not all(isinstance(k, Ed25519PublicKey) for k in listed):
                raise ConfigurationError(f"trusted keys of {topic!r} must be Ed25519 public keys")
            self.trusted[topic] = listed

    def verify(self, message: InboxMessage, topic: str) -> None:
        """Return if ``message`` (read from ``topic``, its original topic) is signed by a
        key trusted for ``topic``; else raise ``BadSignatureError`` or
        ``MissingSignatureError`` (both dead-letter reasons)."""
        header = message.headers.get(wire.SIGNATURE_HEADER)
        if not header:
            raise MissingSignatureError(
                f"{topic} requires signed events; {message.id} has no "
                f"{wire.SIGNATURE_HEADER!r} header"
            )
        keys = self.trusted.get(topic)
        if not keys:
            raise BadSignatureError(f"no key is trusted to sign events on {topic}")
        try:
            signature = base64.b64decode(header, validate=True)
        except (binascii.Error, ValueError):
            raise BadSignatureError(f"the signature of {message.id} is not base64") from None
        content = wire.signed_content(
            message.id, message.type, message.key, message.schema_version, message.payload
        )
        for key in keys:
            try:
                key.verify(signature, content)
                return
            except InvalidSignature:
                continue
        raise BadSignatureError(
            f"the signature of {message.id} ({message.type}) does not verify against any key "
            f"trusted for {topic}: forged, altered or signed by another source"
        )
