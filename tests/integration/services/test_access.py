"""Must-show 3: every endpoint of every service answers 401 without a token or with a
forged, expired, wrong-audience or wrong-issuer one, and 403 without its permission; a
service's role cannot read another service's database."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import jwt
import pytest
import sqlalchemy as sa

from postroom.services.deployment import SERVICES, Deployment
from postroom.services.platform import ALGORITHM, SigningKey, TokenIssuer
from tests.integration.services.conftest import Platform

USER = str(uuid.uuid4())
PASSWORDS = {"current_password": "x" * 8, "new_password": "y" * 8}
WATCH = {"title_id": "t", "title": "T", "seconds": 1}

#: (service, method, path, body, permission it needs). Public auth endpoints (register,
#: login, service-token, public-key) are left out: they are anonymous by nature.
ENDPOINTS = [
    ("auth", "POST", f"/accounts/{USER}/password", PASSWORDS, "account:write"),
    ("auth", "PUT", f"/accounts/{USER}/email", {"email": "a@example.com"}, "account:write"),
    ("auth", "POST", f"/accounts/{USER}/deactivate", None, "account:write"),
    ("auth", "DELETE", f"/accounts/{USER}", None, "account:write"),
    ("authz", "GET", "/roles", None, "roles:read"),
    ("authz", "PUT", "/roles/editor", {"permissions": []}, "roles:admin"),
    ("authz", "GET", f"/users/{USER}/roles", None, "roles:read"),
    ("authz", "PUT", f"/users/{USER}/roles/admin", None, "roles:admin"),
    ("authz", "DELETE", f"/users/{USER}/roles/admin", None, "roles:admin"),
    ("users", "GET", f"/users/{USER}", None, "profile:read"),
    ("users", "PATCH", f"/users/{USER}", {"display_name": "x"}, "profile:write"),
    ("watch_history", "POST", f"/users/{USER}/watches", WATCH, "history:write"),
    ("watch_history", "GET", f"/users/{USER}/watches", None, "history:read"),
    ("activity", "GET", f"/activity/{USER}", None, "activity:read"),
    ("activity", "GET", "/activity", None, "activity:admin"),
    ("reporting", "GET", "/reports/registrations-per-day", None, "reports:read"),
    ("reporting", "GET", "/reports/watch-time-per-title", None, "reports:read"),
    ("privacy", "DELETE", f"/users/{USER}/data", None, "privacy:write"),
    ("privacy", "POST", f"/users/{USER}/export", None, "privacy:write"),
    ("privacy", "GET", f"/users/{USER}/export/{USER}", None, "privacy:write"),
    ("privacy", "GET", f"/users/{USER}/export/{USER}/archive", None, "privacy:write"),
    ("privacy", "GET", f"/erasures/{USER}", None, "privacy:admin"),
]  # fmt: skip
IDS = [
    f"{service}:{method} {path.replace(USER, '{id}')}" for service, method, path, *_ in ENDPOINTS
]


def token(
    deployment: Deployment,
    audience: str,
    permissions: set[str],
    *,
    issuer: TokenIssuer | None = None,
    now: datetime | None = None,
) -> str:
    return (issuer or deployment.issuer()).issue(
        USER, kind="user", audience=[audience], permissions=permissions, now=now
    )


def sender(platform: Platform, service: str) -> Callable[[str, str, object, str | None], int]:
    def send(method: str, path: str, body: object, bearer: str | None) -> int:
        return platform.call(method, service, path, bearer, json=body).status_code

    return send


@pytest.mark.parametrize(("service", "method", "path", "body", "permission"), ENDPOINTS, ids=IDS)
def test_every_endpoint_checks_the_token_and_the_permission(
    platform: Platform,
    service: str,
    method: str,
    path: str,
    body: object,
    permission: str,
) -> None:
    deployment = platform.deployment
    audience = SERVICES[service].audience if service in SERVICES else service
    send = sender(platform, service)
    others = {"profile:read", "history:read", "roles:read", "activity:read"} - {permission}
    forged = token(
        deployment, audience, {permission}, issuer=TokenIssuer(SigningKey.generate().private_pem)
    )
    expired = token(deployment, audience, {permission}, now=datetime.now(UTC) - timedelta(hours=1))
    wrong_audience = token(deployment, "elsewhere", {permission})
    claims = jwt.decode(
        token(deployment, audience, {permission}), options={"verify_signature": False}
    )
    wrong_issuer = jwt.encode(
        {**claims, "iss": "someone-else"}, _private_key(deployment), ALGORITHM
    )

    assert send(method, path, body, None) == 401
    assert send(method, path, body, "not-a-jwt") == 401
    assert send(method, path, body, forged) == 401
    assert send(method, path, body, expired) == 401
    assert send(method, path, body, wrong_audience) == 401
    assert send(method, path, body, wrong_issuer) == 401
    assert send(method, path, body, token(deployment, audience, others)) == 403
    # With the permission, the request gets past the gate (whatever the data says then).
    assert send(method, path, body, token(deployment, audience, {permission})) not in (
        401,
        403,
    )


def _private_key(deployment: Deployment) -> object:
    from cryptography.hazmat.primitives import serialization

    return serialization.load_pem_private_key(deployment.key.private_pem.encode(), None)


def test_someone_elses_data_needs_the_admin_permission(platform: Platform) -> None:
    deployment, send = platform.deployment, sender(platform, "watch_history")
    other = f"/users/{uuid.uuid4()}/watches"
    member = token(deployment, "watch-history", {"history:read"})
    admin = token(deployment, "watch-history", {"history:read", "history:admin"})

    assert send("GET", other, None, member) == 403
    assert send("GET", other, None, admin) == 200


@pytest.mark.parametrize("reader", list(SERVICES))
def test_a_service_role_cannot_open_another_services_database(
    deployment: Deployment, reader: str
) -> None:
    own = deployment.databases[reader]
    for name, database in deployment.databases.items():
        if name == reader:
            continue
        foreign = sa.engine.make_url(own.url_for("psycopg")).set(database=database.name)
        engine = sa.create_engine(foreign, poolclass=sa.NullPool)
        with pytest.raises(sa.exc.OperationalError, match="permission denied for database"):
            engine.connect()
        engine.dispose()
    engine = deployment.engine(reader)
    with engine.connect() as connection:  # its own, it can
        assert connection.execute(sa.text("SELECT current_user")).scalar() == own.role
        assert not connection.execute(
            sa.text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        ).scalar()
    engine.dispose()


@pytest.mark.security
def test_a_token_replayed_after_its_account_was_deactivated_changes_nothing(
    platform: Platform,
) -> None:
    # A bearer token is replayable until it expires; what must not happen is that a
    # token issued before deactivation (stolen, or kept) still changes the account.
    user_id, email = platform.register()
    grant = platform.member_token(email)
    account = f"/accounts/{user_id}"

    assert platform.call("POST", "auth", f"{account}/deactivate", grant).status_code == 204
    replayed_email = platform.call(
        "PUT", "auth", f"{account}/email", grant, json={"email": f"new.{email}"}
    )
    replayed_password = platform.call(
        "POST", "auth", f"{account}/password", grant,
        json={"current_password": "correct horse battery", "new_password": "z" * 12},
    )  # fmt: skip

    assert replayed_email.status_code == 403, replayed_email.text
    assert replayed_password.status_code == 403, replayed_password.text
    assert "deactivated" in replayed_email.json()["detail"]
    assert platform.login(f"new.{email}").status_code == 401  # the e-mail did not change


@pytest.mark.security
@pytest.mark.parametrize("service", sorted(n for n, s in SERVICES.items() if s.publishes))
def test_the_relays_role_cannot_read_or_write_a_services_own_tables(
    deployment: Deployment, service: str
) -> None:
    database = deployment.databases[service]
    engine = sa.create_engine(deployment.relay_urls[service], poolclass=sa.NullPool)
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT current_user")).scalar() != database.role
        business = (
            connection.execute(
                sa.text("SELECT tablename FROM pg_tables WHERE tableowner = :owner"),
                {"owner": database.role},
            )
            .scalars()
            .all()
        )
        assert business, f"{service} owns no tables?"
        for table in business:
            for statement in (f'SELECT * FROM "{table}"', f'DELETE FROM "{table}"'):
                with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
                    connection.execute(sa.text(statement))
                connection.rollback()
    engine.dispose()
