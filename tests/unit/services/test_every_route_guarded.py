"""Every route of every reference service, read from the apps themselves (so a new route
is covered the day it is added), refuses a caller without a valid token (401) and one
whose token lacks the route's permission (403). Valid tokens are refused when forged
(another key, ``alg: none``, a symmetric algorithm, a tampered claim), expired, issued
in the future, too long-lived, without a ``jti``, revoked, or for another audience.

The apps are not started (no lifespan, no database): the token check runs before any
handler touches the database, which is exactly what is asserted."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from postroom.services import auth, privacy, reporting
from postroom.services.deployment import SERVICES
from postroom.services.platform import ALGORITHM, ISSUER, ServiceSettings, SigningKey, TokenIssuer

pytestmark = pytest.mark.security

KEY = SigningKey.generate()
USER = str(uuid.uuid4())
#: Nothing listens there: a handler that reached the database would fail, not pass.
NOWHERE = "postgresql+asyncpg://nobody@127.0.0.1:9/nowhere"

#: The only routes anyone may call without a token, and why.
PUBLIC = {
    ("auth", "POST", "/register"): "creating an account",
    ("auth", "POST", "/login"): "password in the body",
    ("auth", "POST", "/service-token"): "client secret in the body",
    ("auth", "GET", "/public-key"): "the key every service verifies with",
}


def _apps(tmp: Path) -> Iterator[tuple[str, str, FastAPI]]:
    """(service, audience, app) for every reference service."""
    for name, spec in SERVICES.items():
        if name == "auth":
            settings = auth.AuthSettings(
                database_url=NOWHERE, private_key=KEY.private_pem, public_key=KEY.public_pem
            )
            yield name, spec.audience, auth.create_app(settings)
        elif name == "privacy":
            privacy_settings = privacy.PrivacySettings(
                database_url=NOWHERE,
                public_key=KEY.public_pem,
                records_key=SigningKey.generate(),
                subject_key=bytes(32),
                log_dir=tmp / "erasure-log",
            )
            yield name, spec.audience, privacy.create_app(privacy_settings)
        else:
            settings_ = ServiceSettings(NOWHERE, KEY.public_pem, spec.audience)
            yield name, spec.audience, spec.create_app(settings_)
    store = reporting.ColdStore(tmp / "cold.duckdb")
    yield "reporting", "reporting", reporting.create_app(store, KEY.public_pem)


def _concrete(path: str) -> str:
    """A request path for a route's template: ids are UUIDs, names are words."""
    return re.sub(r"\{(\w+)\}", lambda m: USER if m.group(1).endswith("id") else "editor", path)


def _routes(tmp: Path) -> list[tuple[str, str, str, str, FastAPI]]:
    found = []
    for service, audience, app in _apps(tmp):
        for route in app.routes:
            if not isinstance(route, APIRoute):
                continue  # FastAPI's own /docs, /redoc and /openapi.json: the schema only
            for method in sorted(route.methods):
                found.append((service, audience, method, route.path, app))
    return found


ROUTES = _routes(Path(__import__("tempfile").mkdtemp(prefix="postroom-routes-")))
GUARDED = [r for r in ROUTES if (r[0], r[2], r[3]) not in PUBLIC]
IDS = [f"{service}:{method} {path}" for service, _, method, path, _ in GUARDED]


def test_the_enumeration_found_every_service_and_every_public_route() -> None:
    services = {service for service, *_ in ROUTES}
    assert services == {*SERVICES, "reporting"}
    assert {(s, m, p) for s, _, m, p, _ in ROUTES} >= set(PUBLIC)
    assert len(GUARDED) >= 17


def _issue(audience: str, permissions: set[str], **options: object) -> str:
    return TokenIssuer(KEY.private_pem).issue(
        USER, kind="user", audience=[audience], permissions=permissions, **options
    )  # type: ignore[arg-type]


def _signed(claims: dict[str, object], key: str = KEY.private_pem) -> str:
    private = serialization.load_pem_private_key(key.encode(), None)
    return jwt.encode(claims, private, ALGORITHM)  # type: ignore[arg-type]


def _claims(audience: str, **changes: object) -> dict[str, object]:
    now = datetime.now(UTC)
    claims: dict[str, object] = {
        "iss": ISSUER,
        "sub": USER,
        "aud": [audience],
        "iat": now,
        "exp": now + timedelta(minutes=5),
        "jti": str(uuid.uuid4()),
        "kind": "user",
        "permissions": [],
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _part(value: dict[str, object]) -> str:
    text = json.dumps(value, default=lambda d: int(d.timestamp())).encode()
    return base64.urlsafe_b64encode(text).decode().rstrip("=")


def _unsigned(claims: dict[str, object]) -> str:
    return f"{_part({'alg': 'none', 'typ': 'JWT'})}.{_part(claims)}."


def _hs256_with_the_public_key(claims: dict[str, object]) -> str:
    """The key-confusion attack: HMAC keyed with the (public) verification key."""
    signed = f"{_part({'alg': 'HS256', 'typ': 'JWT'})}.{_part(claims)}"
    mac = hmac.new(KEY.public_pem.encode(), signed.encode(), hashlib.sha256).digest()
    return f"{signed}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"


def _tampered(audience: str) -> str:
    """A real token whose payload was edited to grant everything (signature kept)."""
    header, payload, signature = _issue(audience, set()).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["permissions"] = ["*", "account:admin", "profile:admin", "roles:admin"]
    edited = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"{header}.{edited}.{signature}"


#: name -> a bad token for ``audience``; each must be refused with 401 everywhere.
BAD_TOKENS: dict[str, Callable[[str], str]] = {
    "forged-other-key": lambda aud: _signed(_claims(aud), SigningKey.generate().private_pem),
    "alg-none": lambda aud: _unsigned(_claims(aud)),
    "hs256-key-confusion": lambda aud: _hs256_with_the_public_key(_claims(aud)),
    "tampered": _tampered,
    "expired": lambda aud: _issue(aud, set(), now=datetime.now(UTC) - timedelta(minutes=10)),
    "issued-in-the-future": lambda aud: _issue(
        aud, set(), now=datetime.now(UTC) + timedelta(minutes=10)
    ),
    "too-long-lived": lambda aud: _issue(aud, set(), ttl=timedelta(days=30)),
    "without-jti": lambda aud: _signed(_claims(aud, jti=None)),
    "wrong-audience": lambda aud: _issue("another-service", set()),
    "wrong-issuer": lambda aud: _signed(_claims(aud, iss="elsewhere")),
    "garbage": lambda aud: "not.a.jwt",
}


def _call(app: FastAPI, method: str, path: str, token: str | None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    client = TestClient(app, raise_server_exceptions=False)  # no lifespan: no database
    return client.request(method, _concrete(path), headers=headers, json={}).status_code


@pytest.mark.parametrize(("service", "audience", "method", "path", "app"), GUARDED, ids=IDS)
def test_without_a_token_every_guarded_route_answers_401(
    service: str, audience: str, method: str, path: str, app: FastAPI
) -> None:
    assert _call(app, method, path, None) == 401
    assert _call(app, method, path, "") == 401


@pytest.mark.parametrize(("service", "audience", "method", "path", "app"), GUARDED, ids=IDS)
def test_a_valid_token_without_the_grant_answers_403(
    service: str, audience: str, method: str, path: str, app: FastAPI
) -> None:
    # Authenticated, for this service, but granted nothing.
    assert _call(app, method, path, _issue(audience, set())) == 403


@pytest.mark.parametrize(("service", "audience", "method", "path", "app"), GUARDED, ids=IDS)
@pytest.mark.parametrize("bad", sorted(BAD_TOKENS))
def test_a_bad_token_answers_401_on_every_guarded_route(
    bad: str, service: str, audience: str, method: str, path: str, app: FastAPI
) -> None:
    assert _call(app, method, path, BAD_TOKENS[bad](audience)) == 401
