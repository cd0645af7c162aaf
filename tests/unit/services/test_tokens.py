"""Tokens: auth signs with its private key; a service verifies with the public key only
and refuses anything forged, expired, for another audience or from another issuer."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from postroom.services.platform import (
    ALGORITHM,
    InvalidTokenError,
    SigningKey,
    TokenIssuer,
    TokenVerifier,
)

KEY = SigningKey.generate()
USER = str(uuid.uuid4())


def issue(**options: object) -> str:
    settings: dict[str, object] = {
        "kind": "user",
        "audience": ["users"],
        "permissions": ["profile:read"],
        **options,
    }
    return TokenIssuer(KEY.private_pem).issue(USER, **settings)  # type: ignore[arg-type]


def verify(token: str, audience: str = "users") -> object:
    return TokenVerifier(KEY.public_pem, audience=audience).verify(token)


def test_a_token_names_the_caller_and_their_permissions() -> None:
    principal = TokenVerifier(KEY.public_pem, audience="users").verify(issue())

    assert principal.subject == USER and principal.kind == "user"
    assert principal.user_id == uuid.UUID(USER)
    assert principal.has("profile:read") and not principal.has("profile:admin")


def test_the_public_key_cannot_sign() -> None:
    assert "PRIVATE" not in KEY.public_pem
    with pytest.raises(ValueError):  # noqa: PT011 - cryptography's message varies
        TokenIssuer(KEY.public_pem)


@pytest.mark.parametrize(
    ("token", "why"),
    [
        (lambda: TokenIssuer(SigningKey.generate().private_pem).issue(
            USER, kind="user", audience=["users"], permissions=[]), "Signature"),
        (lambda: issue(now=datetime.now(UTC) - timedelta(minutes=10)), "expired"),
        (lambda: issue(audience=["reporting"]), "Audience"),
        (lambda: jwt.encode({"sub": USER}, "a shared secret of at least 32 bytes", "HS256"), "alg"),
        (lambda: "not.a.jwt", "decode|segments|Invalid"),
    ],
    ids=["forged", "expired", "wrong-audience", "symmetric-algorithm", "garbage"],
)  # fmt: skip
def test_a_bad_token_is_refused(token: object, why: str) -> None:
    with pytest.raises(InvalidTokenError, match=why):
        verify(token())  # type: ignore[operator]


def test_a_token_from_another_issuer_is_refused() -> None:
    claims = jwt.decode(issue(), options={"verify_signature": False})
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(KEY.private_pem.encode(), None)
    other = jwt.encode({**claims, "iss": "elsewhere"}, key, ALGORITHM)  # type: ignore[arg-type]

    with pytest.raises(InvalidTokenError, match="issuer"):
        verify(other)


def test_a_user_token_must_name_a_user_id() -> None:
    token = TokenIssuer(KEY.private_pem).issue(
        "reporting", kind="user", audience=["users"], permissions=[]
    )
    with pytest.raises(InvalidTokenError, match="user id"):
        verify(token)


def test_every_token_has_its_own_jti() -> None:
    first, second = (jwt.decode(issue(), options={"verify_signature": False}) for _ in range(2))
    assert first["jti"] != second["jti"]


def test_a_revoked_token_is_refused_and_others_still_pass() -> None:
    revoked_token, kept = issue(), issue()
    withdrawn = {jwt.decode(revoked_token, options={"verify_signature": False})["jti"]}
    verifier = TokenVerifier(KEY.public_pem, audience="users", revoked=withdrawn.__contains__)

    with pytest.raises(InvalidTokenError, match="revoked"):
        verifier.verify(revoked_token)
    assert verifier.verify(kept).subject == USER


def test_a_token_living_longer_than_the_verifier_allows_is_refused() -> None:
    with pytest.raises(InvalidTokenError, match="longer than"):
        verify(issue(ttl=timedelta(days=1)))
