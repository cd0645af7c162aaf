"""Every reference service's HTTP API fuzzed from its own OpenAPI document
(schemathesis), over real HTTP to the running deployment with its real databases,
authenticated as an operator holding every permission so the requests get past the
token check into the handlers.

Whatever is sent, valid or not, the answer is never a 5xx, and a documented answer
matches its documented schema. Example counts follow the hypothesis profile
(``HYPOTHESIS_PROFILE=long`` for a longer run; docs/testing.md).
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from postroom.services.deployment import SERVICES
from tests.integration.services.conftest import (
    ADMIN_PERMISSIONS,
    SECRETS,
    SERVICES_AUDIENCES,
    Platform,
)

pytestmark = pytest.mark.fuzz

APIS = ["auth", "authz", "users", "watch_history", "activity", "reporting", "privacy"]
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
SOURCES = Path(SERVICES["auth"].migrations.script_location).parents[1]
#: Every permission any endpoint checks, so that fuzzed requests reach every handler.
EVERY_PERMISSION = ADMIN_PERMISSIONS | {"profile:write", "history:write"}


PERMISSION_CHECK = re.compile(r'(?:require|own_or)\([^)]*"([a-z_]+:[a-z_]+)"\)')


def test_the_fuzzing_token_holds_every_permission_an_endpoint_checks() -> None:
    checked = {
        permission
        for source in SOURCES.rglob("_app.py")
        for permission in PERMISSION_CHECK.findall(source.read_text())
    }
    assert checked, SOURCES
    assert checked <= EVERY_PERMISSION


def token(platform: Platform) -> str:
    minted = platform.deployment.issuer().issue(
        "fuzzer", kind="service", audience=SERVICES_AUDIENCES, permissions=EVERY_PERMISSION
    )
    SECRETS.add(minted)  # never to be logged either
    return minted


def fuzz(platform: Platform, api: str, mode: GenerationMode, token: str | None) -> None:
    schema = schemathesis.openapi.from_url(f"{platform.urls[api]}/openapi.json")
    headers = {"authorization": f"Bearer {token}"} if token else None
    strategy = schema.as_strategy(mode, headers=headers)

    @given(case=strategy)
    @settings(suppress_health_check=list(HealthCheck), deadline=None)
    def one_request(case: Any) -> None:
        response = case.call(timeout=30)
        case.validate_response(response, checks=CHECKS)

    one_request()


# reporting takes no parameters and no body: there is nothing to make invalid.
RUNS = [
    (api, mode)
    for api in APIS
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if (api, mode) != ("reporting", GenerationMode.NEGATIVE)
]


@pytest.mark.parametrize(("api", "mode"), RUNS, ids=[f"{a}-{m.value}" for a, m in RUNS])
def test_no_request_gets_a_server_error_or_an_answer_off_its_schema(
    platform: Platform, api: str, mode: GenerationMode
) -> None:
    fuzz(platform, api, mode, token(platform))


@pytest.mark.parametrize("api", APIS)
def test_without_a_token_no_request_gets_a_server_error(platform: Platform, api: str) -> None:
    fuzz(platform, api, GenerationMode.POSITIVE, None)


# What the fuzzing found, each pinned as a plain request (all were 500s).
FOUND = [
    ("PUT", "authz", "/roles/viewer", {"json": {"permissions": ["a\u0000b"]}}),
    ("PUT", "authz", "/roles/nul%00name", {"json": {"permissions": []}}),
    ("POST", "auth", "/register", {"json": {"email": "a\u0000@b.co", "password": "x" * 8}}),
    ("PATCH", "users", f"/users/{uuid.uuid4()}", {"json": {"display_name": "a\u0000"}}),
    (
        "POST",
        "watch_history",
        f"/users/{uuid.uuid4()}/watches",
        {"json": {"title_id": "t\u0000", "title": "T", "seconds": 1}},
    ),
    ("GET", "activity", "/activity?limit=-1", {}),
    ("GET", "activity", "/activity?limit=99999999999", {}),
]


@pytest.mark.parametrize(("method", "api", "path", "kw"), FOUND, ids=[f[1] for f in FOUND])
def test_what_the_fuzzing_found_is_a_422(
    platform: Platform, method: str, api: str, path: str, kw: dict[str, Any]
) -> None:
    response = platform.call(method, api, path, token(platform), **kw)
    assert response.status_code == 422, response.text
