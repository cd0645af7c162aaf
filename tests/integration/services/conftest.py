"""One deployment of every reference service for this folder's tests: five databases,
five roles, the real Debezium relay, an inbox worker per consuming service, reporting's
consumer and every HTTP API, on an embedded stack of their own. Started once (it takes
a while), shared.

Every log line of the whole package (log records, and the stdout/stderr pytest captures
around each test, where the services' threads and the relay's JVM write) is scanned at
the end for the test users' e-mail addresses, passwords and tokens, which
``Platform.call`` records as it sends them: any found fails the package."""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy.orm import Session

from postroom.connectors import Relay
from postroom.devstack import EmbeddedStack
from postroom.inbox import InboxWorker
from postroom.privacy import is_sealed, open_value
from postroom.services import privacy, reporting, users
from postroom.services.deployment import SERVICES, Deployment
from tests.log_leaks import LogCapture, find_leaks

T = TypeVar("T")

PASSWORD = "correct horse battery"
_emails = itertools.count()

#: Everything an operator may do: tests mint such tokens with the deployment's issuer.
ADMIN_PERMISSIONS = frozenset(
    {
        "account:admin",
        "account:write",
        "activity:admin",
        "activity:read",
        "history:admin",
        "history:read",
        "privacy:admin",
        "privacy:write",
        "profile:admin",
        "profile:read",
        "reports:read",
        "roles:admin",
        "roles:read",
    }
)


#: Every secret and personal datum the tests sent or received (see ``Platform.call``).
SECRETS: set[str] = {PASSWORD}
#: Text pytest captured around each test of this package (stdout, stderr, log).
CAPTURED: list[str] = []
_SECRET_FIELDS = ("email", "password", "current_password", "new_password", "client_secret")
_TEST_EMAIL = re.compile(r"[\w.+-]+@example\.com")


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    CAPTURED.extend(text for _, text in report.sections)


@pytest.fixture(scope="package", autouse=True)
def no_secret_in_any_log_line() -> Iterator[LogCapture]:
    """Capture every log record of the package; at its end, fail on any secret in them
    or in what the tests printed."""
    capture = LogCapture()
    with capture.installed():
        yield capture
    texts = [*capture.lines, *CAPTURED]
    emails = {email for text in texts for email in _TEST_EMAIL.findall(text)}
    leaks = find_leaks(texts, SECRETS | emails)
    assert not leaks, f"{len(leaks)} secret(s) in the logs:\n" + "\n".join(leaks[:20])


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration/services" in str(item.path):
            item.add_marker(pytest.mark.services)


def until(check: Callable[[], T | bool | None], what: str, timeout: float = 45.0) -> T:
    """Poll ``check`` until it returns something truthy; fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found  # type: ignore[return-value]
        time.sleep(0.02)
    pytest.fail(f"{what} did not happen within {timeout} s")


class Platform:
    """The running deployment: HTTP helpers, and workers that tests may stop and restart."""

    def __init__(
        self,
        deployment: Deployment,
        urls: dict[str, str],
        relay: Relay,
        store: reporting.ColdStore,
        partner: privacy.PartnerStub,
    ) -> None:
        self.deployment = deployment
        self.partner = partner
        self.store = store
        self.urls = urls
        self.relay = relay
        self.http = httpx.Client(timeout=30)
        self.workers: dict[str, ExitStack] = {}

    def start_worker(self, name: str) -> InboxWorker:
        stack = ExitStack()
        worker = stack.enter_context(self.deployment.worker(name).running(assigned_within=90))
        self.workers[name] = stack
        return worker

    def stop_worker(self, name: str) -> None:
        self.workers.pop(name).close()

    def open_sealed(self, user_id: str, field: str, sealed: object) -> str | None:
        """The clear text of a sealed field of ``user_id``, opened with users' key (as
        only users can); ``None`` once the key is shredded."""
        engine = self.deployment.engine("users")
        try:
            with Session(engine) as session:
                key = users.KEYS.find_key(session, user_id)
        finally:
            engine.dispose()
        if key is None:
            return None
        assert isinstance(sealed, str) and is_sealed(sealed), f"not sealed: {sealed!r}"
        return open_value(sealed, key, subject=user_id, field=field)

    def admin_token(self) -> str:
        return self.deployment.issuer().issue(
            "operator", kind="service", audience=SERVICES_AUDIENCES, permissions=ADMIN_PERMISSIONS
        )

    def call(
        self, method: str, service: str, path: str, token: str | None, **kw: Any
    ) -> httpx.Response:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        body = kw.get("json")
        if isinstance(body, dict):
            SECRETS.update(str(body[f]) for f in _SECRET_FIELDS if body.get(f))
        if token:
            SECRETS.add(token)
        response = self.http.request(method, f"{self.urls[service]}{path}", headers=headers, **kw)
        if response.content and response.headers.get("content-type") == "application/json":
            answer = response.json()
            if isinstance(answer, dict) and isinstance(answer.get("access_token"), str):
                SECRETS.add(answer["access_token"])
        return response

    def register(self) -> tuple[str, str]:
        """A new account; returns (user id, email)."""
        email = f"viewer{next(_emails)}.{time.monotonic_ns()}@example.com"
        response = self.call(
            "POST", "auth", "/register", None, json={"email": email, "password": PASSWORD}
        )
        assert response.status_code == 201, response.text
        return response.json()["user_id"], email

    def login(self, email: str) -> httpx.Response:
        return self.call(
            "POST", "auth", "/login", None, json={"email": email, "password": PASSWORD}
        )

    def member_token(self, email: str) -> str:
        """Log in once authz's member grant has reached auth."""

        def token() -> str | None:
            grant = self.login(email).json()
            return grant["access_token"] if "history:write" in grant["permissions"] else None

        return until(token, f"the member grant of {email} reaching auth")

    def watch(self, user_id: str, token: str, title: str, seconds: int) -> httpx.Response:
        body = {"title_id": title.lower(), "title": title, "seconds": seconds}
        return self.call("POST", "watch_history", f"/users/{user_id}/watches", token, json=body)


SERVICES_AUDIENCES = (*(spec.audience for spec in SERVICES.values()), "reporting")


@pytest.fixture(scope="package")
def stack() -> Iterator[EmbeddedStack]:
    """A stack of the services' own: their topics (``outbox.event.user``, ...) are the
    ones other tests use too, and neither must see the other's events.

    On Tansu, as the demo: on Apache Kafka, a consumer group restarted by the catch-up
    test was sometimes not assigned its partitions again within 90 s, a kafka-python
    3.0.12 race the inbox worker now works around (docs/reliability.md, "Consumer rejoin
    on Apache Kafka"). These tests stay on Tansu until more runs on Apache Kafka show
    it gone.
    """
    with EmbeddedStack(broker="tansu") as running:
        yield running


@pytest.fixture(scope="package")
def deployment(stack: EmbeddedStack) -> Deployment:
    return Deployment.provision(stack.postgres.url(), stack.bootstrap_servers, prefix="svc_")


@pytest.fixture(scope="package")
def platform(
    deployment: Deployment, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Platform]:
    state = Path(tmp_path_factory.mktemp("services-relay"))
    with ExitStack() as stack:
        # A partner system reached over HTTP: it fails each erasure twice before it works.
        partner = stack.enter_context(privacy.PartnerStub(fail_first=2))
        deployment.partner_url = partner.url
        deployment.privacy_log_dir = state / "erasure-log"
        relay = stack.enter_context(deployment.relay(state))
        relay.wait_streaming()
        store = reporting.ColdStore(state / "reporting.duckdb")
        stack.callback(store.close)
        stack.enter_context(deployment.reporting_consumer(store).running())
        stack.enter_context(deployment.privacy_scheduler().running())
        urls = stack.enter_context(deployment.serving(store))
        running = Platform(deployment, urls, relay, store, partner)
        for name in SERVICES:
            if deployment.consumes(name):
                running.start_worker(name)
        try:
            yield running
        finally:
            for name in list(running.workers):
                running.stop_worker(name)
            running.http.close()
        assert not relay.errors
