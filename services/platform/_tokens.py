"""Access tokens: JWTs signed by auth with a private key, verified by every service with
the public key alone (EdDSA, Ed25519): no service holds a secret that could mint tokens.

Claims: ``iss`` (``ISSUER``), ``sub`` (a user id, or a service's name), ``aud`` (the
services the token is for), ``iat``/``exp`` (short-lived), ``kind`` (``user`` or
``service``) and ``permissions`` (what authz granted, as auth knew it at issue time).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

__all__ = [
    "ALGORITHM",
    "ISSUER",
    "InvalidTokenError",
    "Principal",
    "SigningKey",
    "TokenIssuer",
    "TokenVerifier",
]

ALGORITHM = "EdDSA"
ISSUER = "postroom-auth"

PrincipalKind = Literal["user", "service"]


class InvalidTokenError(Exception):
    """The token is missing, forged, expired, not for this audience, or malformed."""


@dataclass(frozen=True, slots=True)
class SigningKey:
    """An Ed25519 key pair as PEM text: auth keeps ``private_pem``; services get ``public_pem``."""

    private_pem: str
    public_pem: str

    @classmethod
    def generate(cls) -> SigningKey:
        key = Ed25519PrivateKey.generate()
        private = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        public = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return cls(private_pem=private.decode(), public_pem=public.decode())


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling, as the token says."""

    subject: str
    kind: PrincipalKind
    permissions: frozenset[str]

    def has(self, permission: str) -> bool:
        return permission in self.permissions

    @property
    def user_id(self) -> uuid.UUID | None:
        """The caller's user id, for user tokens."""
        return uuid.UUID(self.subject) if self.kind == "user" else None


class TokenIssuer:
    """Mints tokens (auth only: it alone has the private key)."""

    def __init__(self, private_pem: str, *, ttl: timedelta = timedelta(minutes=5)) -> None:
        self._key = serialization.load_pem_private_key(private_pem.encode(), password=None)
        self.ttl = ttl

    def issue(
        self,
        subject: str,
        *,
        kind: PrincipalKind,
        audience: Iterable[str],
        permissions: Iterable[str],
        now: datetime | None = None,
        ttl: timedelta | None = None,
    ) -> str:
        issued = now or datetime.now(UTC)
        claims = {
            "iss": ISSUER,
            "sub": subject,
            "aud": sorted(audience),
            "iat": issued,
            "exp": issued + (ttl or self.ttl),
            "kind": kind,
            "permissions": sorted(set(permissions)),
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)  # type: ignore[arg-type]


class TokenVerifier:
    """Checks a token's signature, issuer, expiry and audience; returns its ``Principal``."""

    def __init__(self, public_pem: str, *, audience: str, leeway_s: float = 5.0) -> None:
        self._key = serialization.load_pem_public_key(public_pem.encode())
        self.audience = audience
        self.leeway_s = leeway_s

    def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self._key,  # type: ignore[arg-type]
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=ISSUER,
                leeway=self.leeway_s,
                options={"require": ["exp", "iat", "iss", "sub", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise InvalidTokenError(str(exc)) from exc
        kind = claims.get("kind")
        permissions = claims.get("permissions")
        if kind not in ("user", "service") or not isinstance(permissions, list):
            raise InvalidTokenError("token has no valid 'kind' or 'permissions' claim")
        if kind == "user":
            try:
                uuid.UUID(claims["sub"])
            except ValueError as exc:
                raise InvalidTokenError("a user token's subject must be a user id") from exc
        return Principal(claims["sub"], kind, frozenset(str(p) for p in permissions))
