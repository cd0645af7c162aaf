"""Access tokens: JWTs signed by auth with a private key, verified by every service with
the public key alone (EdDSA, Ed25519): no service holds a secret that could mint tokens.

Claims: ``iss`` (``ISSUER``), ``sub`` (a user id, or a service's name), ``aud`` (the
services the token is for), ``iat``/``exp`` (short-lived), ``jti`` (unique per token),
``kind`` (``user`` or ``service``) and ``permissions`` (what authz granted, as auth knew
it at issue time).

A verifier refuses a token that is forged (another key, ``alg: none``, a symmetric
algorithm, a tampered claim), expired, not yet valid (``iat`` in the future), living
longer than ``max_ttl`` (however it was signed), for another audience or issuer, without a
``jti``, or whose ``jti`` the verifier's ``revoked`` check names. Bearer tokens are
presented on every request, so their reuse within their short life is not a "replay";
what the verifier refuses is a token used after it ended: expired, revoked, or (auth)
naming a deactivated account. See docs/security.md.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

__all__ = [
    "ALGORITHM",
    "ISSUER",
    "MAX_TTL",
    "InvalidTokenError",
    "Principal",
    "SigningKey",
    "TokenIssuer",
    "TokenVerifier",
]

ALGORITHM = "EdDSA"
ISSUER = "postroom-auth"
#: The longest life a verifier accepts (``exp - iat``), whatever the issuer was told.
MAX_TTL = timedelta(hours=1)

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
            "jti": str(uuid.uuid4()),
            "kind": kind,
            "permissions": sorted(set(permissions)),
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)  # type: ignore[arg-type]


class TokenVerifier:
    """Checks a token's signature, issuer, expiry and audience; returns its ``Principal``."""

    def __init__(
        self,
        public_pem: str,
        *,
        audience: str,
        leeway_s: float = 5.0,
        max_ttl: timedelta = MAX_TTL,
        revoked: Callable[[str], bool] | None = None,
    ) -> None:
        self._key = serialization.load_pem_public_key(public_pem.encode())
        self.audience = audience
        self.leeway_s = leeway_s
        self.max_ttl = max_ttl
        #: ``revoked(jti)`` is True for a token withdrawn before its expiry (a denylist).
        self.revoked = revoked

    def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self._key,  # type: ignore[arg-type]
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=ISSUER,
                leeway=self.leeway_s,
                options={"require": ["exp", "iat", "iss", "sub", "aud", "jti"]},
            )
        except jwt.PyJWTError as exc:
            raise InvalidTokenError(str(exc)) from exc
        lifetime = float(claims["exp"]) - float(claims["iat"])
        if lifetime > self.max_ttl.total_seconds():
            raise InvalidTokenError(
                f"token lives {lifetime:.0f} s, longer than the {self.max_ttl} allowed"
            )
        if self.revoked is not None and self.revoked(str(claims["jti"])):
            raise InvalidTokenError("token was revoked")
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
