"""Sealed values: one personal field encrypted with its subject's data key (AES-256-GCM).

A sealed value is text, so it fits any JSON payload or ``text`` column:

    pr1.<base64url(12-byte nonce || ciphertext || 16-byte tag)>

The associated data binds it to its subject and its field name, so a sealed e-mail can
not be replayed as another user's, or as a display name: opening it anywhere else fails.
Destroy the subject's key (``SubjectKeys.shred``) and every copy of every sealed value of
that subject, wherever it was copied to (topics, dead letters, cold stores, backups), is
noise.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Iterable, Mapping
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from postroom.errors import ConfigurationError, SealedValueError

__all__ = [
    "DATA_KEY_BYTES",
    "SEALED_PREFIX",
    "is_sealed",
    "new_data_key",
    "open_fields",
    "open_value",
    "seal_fields",
    "seal_value",
]

#: Every sealed value starts with this (the format's version).
SEALED_PREFIX = "pr1."
#: AES-256: a data key is 32 random bytes.
DATA_KEY_BYTES = 32
_NONCE_BYTES = 12


def new_data_key() -> bytes:
    """A fresh random data key for one subject."""
    return AESGCM.generate_key(bit_length=DATA_KEY_BYTES * 8)


def _aesgcm(key: bytes) -> AESGCM:
    if not isinstance(key, bytes) or len(key) != DATA_KEY_BYTES:
        raise ConfigurationError(f"a data key is {DATA_KEY_BYTES} bytes")
    return AESGCM(key)


def _associated(subject: str, field: str) -> bytes:
    if not isinstance(subject, str) or not subject:
        raise ConfigurationError(f"subject must be a non-empty string, got {subject!r}")
    if not isinstance(field, str) or not field:
        raise ConfigurationError(f"field must be a non-empty string, got {field!r}")
    return f"{SEALED_PREFIX}{subject}\x00{field}".encode()


def is_sealed(value: object) -> bool:
    """Whether ``value`` looks like a sealed value (it may still fail to open)."""
    return isinstance(value, str) and value.startswith(SEALED_PREFIX)


def seal_value(value: str, key: bytes, *, subject: str, field: str) -> str:
    """``value`` sealed with ``subject``'s ``key``, bound to ``subject`` and ``field``."""
    if not isinstance(value, str):
        raise ConfigurationError(f"only text is sealed, got {type(value).__name__}")
    nonce = os.urandom(_NONCE_BYTES)
    sealed = _aesgcm(key).encrypt(nonce, value.encode(), _associated(subject, field))
    return SEALED_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def open_value(sealed: str, key: bytes, *, subject: str, field: str) -> str:
    """The clear text of ``sealed``; ``SealedValueError`` if it is not a sealed value, was
    altered, or was sealed with another key, subject or field."""
    if not is_sealed(sealed):
        raise SealedValueError(f"not a sealed value (no {SEALED_PREFIX!r} prefix)")
    body = sealed[len(SEALED_PREFIX) :]
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError) as exc:
        raise SealedValueError(f"a sealed value is not base64url: {exc}") from exc
    if len(raw) < _NONCE_BYTES + 16:
        raise SealedValueError("a sealed value is too short to hold a nonce and a tag")
    try:
        clear = _aesgcm(key).decrypt(
            raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], _associated(subject, field)
        )
    except InvalidTag:
        raise SealedValueError(
            f"sealed {field!r} of subject {subject!r} does not open with this key "
            "(altered, or sealed for another subject, field or key)"
        ) from None
    return clear.decode()


def seal_fields(
    payload: Mapping[str, Any], fields: Iterable[str], key: bytes, *, subject: str
) -> dict[str, Any]:
    """A copy of ``payload`` with each of ``fields`` that holds text sealed (absent and
    ``None`` fields are left as they are; a field already sealed is not sealed twice)."""
    sealed = dict(payload)
    for field in fields:
        value = sealed.get(field)
        if value is not None and not is_sealed(value):
            sealed[field] = seal_value(value, key, subject=subject, field=field)
    return sealed


def open_fields(
    payload: Mapping[str, Any], fields: Iterable[str], key: bytes, *, subject: str
) -> dict[str, Any]:
    """The inverse of ``seal_fields``: each sealed one of ``fields`` opened."""
    opened = dict(payload)
    for field in fields:
        value = opened.get(field)
        if isinstance(value, str) and is_sealed(value):
            opened[field] = open_value(value, key, subject=subject, field=field)
    return opened
