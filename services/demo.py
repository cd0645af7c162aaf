"""The demo: the story of one user across the services, each on its own database.

register (auth) -> log in once authz's grant reached auth -> watch two titles
(watch-history) -> the cross-service activity view updates -> a report computed on the
cold store shows the watches -> deactivate -> every service hears of it -> export all
of the user's data (one zip, a part per service) -> erase it everywhere (each service
confirms; a signed completion record). Each step is timed, and the erasure's timeline is
printed (request -> each confirmation -> completion); everything runs on the embedded
stack (private PostgreSQL, broker, the real Debezium relay) and is stopped by PID at the
end.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
from rich.console import Console
from rich.table import Table

from postroom.devstack import EmbeddedStack, pid_alive
from postroom.services.deployment import SERVICES, Deployment
from postroom.services.privacy import (
    PartnerStub,
    load_chain,
    read_archive,
    read_erasure_log,
    verify_chain,
    verify_erasure_log,
)

__all__ = ["Step", "run_demo"]

T = TypeVar("T")

#: A service client allowed to read reports (client-credentials, ``/service-token``).
ANALYST, ANALYST_SECRET = "analyst", "demo-analyst-secret"
#: The privacy desk: files erasure and export requests for users (``privacy:admin``).
PRIVACY_DESK, PRIVACY_DESK_SECRET = "privacy-desk", "demo-privacy-secret"
PRIVACY_PERMISSIONS = frozenset({"privacy:admin", "privacy:write"})


@dataclass(frozen=True, slots=True)
class Step:
    """One step of the story and how long it took."""

    name: str
    detail: str
    ms: float


def _until(check: Callable[[], T | None], what: str, timeout: float = 60.0) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found is not None:
            return found
        time.sleep(0.01)
    raise TimeoutError(f"{what} did not happen within {timeout} s")


class _Story:
    """One user's story told over HTTP; every step timed (``self.steps``)."""

    def __init__(self, urls: dict[str, str], client: httpx.Client) -> None:
        self.urls, self.client = urls, client
        self.steps: list[Step] = []
        self.token: str | None = None
        #: The erasure as privacy reports it once complete (timeline, record).
        self.erasure: dict[str, Any] = {}

    @contextmanager
    def step(self, name: str, detail: str) -> Iterator[list[str]]:
        """Time the ``with`` block; append to the yielded list to add to ``detail``."""
        more: list[str] = []
        started = time.perf_counter()
        yield more
        ms = (time.perf_counter() - started) * 1000
        self.steps.append(Step(name, " ".join([detail, *more]), ms))

    def call(
        self, method: str, service: str, path: str, *, bearer: str | None = None, **kw: Any
    ) -> httpx.Response:
        token = bearer or self.token
        headers = {"authorization": f"Bearer {token}"} if token else {}
        return self.client.request(method, f"{self.urls[service]}{path}", headers=headers, **kw)

    def found(
        self, service: str, path: str, expect: Callable[[Any], bool], bearer: str | None = None
    ) -> Callable[[], Any]:
        """A check for ``_until``: the JSON at ``path`` once ``expect`` holds for it."""

        def check() -> Any:
            response = self.call("GET", service, path, bearer=bearer)
            ok = response.status_code == 200 and expect(response.json())
            return response.json() if ok else None

        return check

    def log_in(self, email: str, password: str) -> str | None:
        """A token, once it carries the member role's permissions (None before)."""
        credentials = {"email": email, "password": password}
        grant = self.call("POST", "auth", "/login", json=credentials).raise_for_status().json()
        return grant["access_token"] if "history:write" in grant["permissions"] else None

    def tell(self, n: int) -> None:
        email, password = f"viewer{n}@example.com", "correct horse battery"
        with self.step("register", f"auth: account + UserRegistered, one transaction ({email})"):
            credentials = {"email": email, "password": password}
            user = self.call("POST", "auth", "/register", json=credentials).raise_for_status()
            user_id = user.json()["user_id"]
        with self.step("log in", "authz granted 'member' (RolesChanged) -> auth; JWT issued"):
            self.token = _until(lambda: self.log_in(email, password), "the member grant")
        with self.step("profile", "users built the profile from UserRegistered"):
            _until(self.found("users", f"/users/{user_id}", bool), "the profile")
        history = f"/users/{user_id}/watches"
        with self.step("watch-history knows", "its user read model, from auth + users events"):
            _until(self.found("watch_history", history, lambda h: h["display_name"]), "the user")
        with self.step("watch", "2 watches appended, each with TitleWatched"):
            for title, seconds in (("Metropolis", 1500), ("Sunrise", 900)):
                watch = {"title_id": title.lower(), "title": title, "seconds": seconds}
                self.call("POST", "watch_history", history, json=watch).raise_for_status()
        activity = f"/activity/{user_id}"
        with self.step("read model", "activity view (auth + users + watch-history):") as more:
            row = _until(
                self.found("activity", activity, lambda a: a["titles_watched"] == 2), "the view"
            )
            name = str(row["display_name"] or "")  # sealed: only users' key opens it
            more.append(f"name sealed ({name[:12]}...), {row['titles_watched']} titles, "
                        f"{row['seconds_watched']} s")  # fmt: skip
        with self.step("report", "reporting, from its DuckDB cold store:") as more:
            analyst = {
                "client_id": ANALYST,
                "client_secret": ANALYST_SECRET,
                "audience": ["reporting"],
            }
            grant = self.call("POST", "auth", "/service-token", json=analyst).raise_for_status()
            report = _until(
                self.found(
                    "reporting",
                    "/reports/watch-time-per-title",
                    lambda rows: any(r["title"] == "Sunrise" and r["views"] > n for r in rows),
                    bearer=grant.json()["access_token"],
                ),
                "the watch-time report",
            )
            more.append(", ".join(f"{r['title']} {r['seconds']} s" for r in report))
        with self.step("deactivate", "auth: status + UserDeactivated, one transaction"):
            self.call("POST", "auth", f"/accounts/{user_id}/deactivate").raise_for_status()
        late = {"title_id": "nosferatu", "title": "Nosferatu", "seconds": 60}
        with self.step("everyone knows", "the view says deactivated; watch-history refuses"):
            _until(self.found("activity", activity, lambda a: a["status"] == "deactivated"), "")
            _until(
                lambda: (
                    self.call("POST", "watch_history", history, json=late).status_code == 409
                    or None
                ),
                "watch-history refusing",
            )
        self.export_and_erase(user_id)

    def export_and_erase(self, user_id: str) -> None:
        desk = {
            "client_id": PRIVACY_DESK,
            "client_secret": PRIVACY_DESK_SECRET,
            "audience": ["privacy"],
        }
        grant = self.call("POST", "auth", "/service-token", json=desk).raise_for_status()
        bearer = grant.json()["access_token"]
        with self.step("export", "privacy: UserDataExportRequested -> a part per service:") as more:
            started = self.call("POST", "privacy", f"/users/{user_id}/export", bearer=bearer)
            path = f"/users/{user_id}/export/{started.raise_for_status().json()['request_id']}"
            _until(self.found("privacy", path, lambda s: s["ready"], bearer=bearer), "the export")
            archive = self.call("GET", "privacy", f"{path}/archive", bearer=bearer)
            files = read_archive(archive.raise_for_status().content)
            rows = {
                name.removesuffix(".json"): sum(len(v) for v in part.values())
                for name, part in sorted(files.items())
                if name != "manifest.json"
            }
            more.append(", ".join(f"{name} {n}" for name, n in rows.items()))
            more.append(f"({len(archive.content)} B zip)")
        with self.step("erase", "privacy: ErasureRequested -> every service confirmed:") as more:
            erased = self.call("DELETE", "privacy", f"/users/{user_id}/data", bearer=bearer)
            request = f"/erasures/{erased.raise_for_status().json()['request_id']}"
            self.erasure = _until(
                self.found("privacy", request, lambda e: e["status"] == "completed", bearer=bearer),
                "the erasure",
            )
            more.append(
                f"{len(self.erasure['participants'])} confirmations, record "
                f"#{self.erasure['record']['seq']}"
            )


def _erasure_table(erasure: dict[str, Any], public_pem: str) -> Table:
    """The erasure's timeline: request -> each confirmation -> the completion record."""
    table = Table("ms", "what", "detail", title=f"erasure {erasure['request_id']}")
    participants = erasure["participants"]
    for event in erasure["timeline"]:
        who = event["participant"]
        if event["what"] == "requested":
            if event["requests"] == 1 and who == min(participants):
                table.add_row(f"{event['ms']}", "requested", ", ".join(sorted(participants)))
            continue
        reply = participants[who]["reply"] or {}
        counts = {
            **reply.get("deleted", {}),
            **{f"{t} (anonymised)": n for t, n in reply.get("anonymised", {}).items()},
        }
        asked = participants[who]["requests"]
        table.add_row(
            f"{event['ms']}",
            f"{who} confirmed",
            ", ".join(f"{t} {n}" for t, n in counts.items())
            + (f" (asked {asked} times)" if asked > 1 else ""),
        )
    record = erasure["record"]
    verified = verify_chain([record], public_pem) == [] if record["seq"] == 1 else None
    body = record["body"]
    took = datetime.fromisoformat(body["completed_at"]) - datetime.fromisoformat(
        body["requested_at"]
    )
    table.add_row(
        f"{took.total_seconds() * 1000:.0f}",
        "completion record",
        f"#{record['seq']} sha256 {record['hash'][:16]}…, Ed25519-signed, subject "
        f"{body['subject'][:24]}…" + ("" if verified is None else f", verifies: {verified}"),
    )
    return table


def run_demo(registrations: int = 1, console: Console | None = None) -> list[Step]:
    """Tell the story ``registrations`` times; return every timed step."""
    console = console or Console()
    started = time.monotonic()
    steps: list[Step] = []
    # Tansu unless POSTROOM_BROKER=kafka: the demo needs no JVM broker download.
    with (
        EmbeddedStack(default="tansu") as stack,
        tempfile.TemporaryDirectory() as state,
        PartnerStub(fail_first=1) as partner,
    ):
        pids = {"postgres": stack.postgres.pid, "broker": stack.broker.pid}
        console.print(
            f"[bold]stack[/] PostgreSQL 127.0.0.1:{stack.postgres.port} (pid {pids['postgres']}), "
            f"broker {stack.bootstrap_servers} (pid {pids['broker']})"
        )
        t0 = time.perf_counter()
        deployment = Deployment.provision(
            stack.postgres.url(),
            stack.bootstrap_servers,
            service_clients={
                ANALYST: (ANALYST_SECRET, frozenset({"reports:read"})),
                PRIVACY_DESK: (PRIVACY_DESK_SECRET, PRIVACY_PERMISSIONS),
            },
        )
        deployment.partner_url = partner.url  # a partner erased over HTTP (fails once first)
        console.print(
            f"[bold]databases[/] {', '.join(SERVICES)}: one database and one role each, "
            f"Postroom's and each service's own migrations ({(time.perf_counter() - t0):.1f} s)"
        )
        t0 = time.perf_counter()
        with deployment.running(Path(state)) as urls, httpx.Client(timeout=30) as client:
            console.print(
                f"[bold]running[/] Debezium relay on {len(SERVICES)} outboxes, {len(SERVICES)} "
                "inbox workers, reporting's consumer, privacy's scheduler, "
                f"{len(SERVICES) + 1} HTTP APIs "
                f"({(time.perf_counter() - t0):.1f} s)"
            )
            for n in range(registrations):
                story = _Story(urls, client)
                story.tell(n)
                table = Table("step", "what happened", "ms", title=f"viewer{n}@example.com")
                for step in story.steps:
                    table.add_row(step.name, step.detail, f"{step.ms:.0f}")
                console.print(table)
                console.print(_erasure_table(story.erasure, deployment.records_key.public_pem))
                steps.extend(story.steps)
            log = Path(state) / "erasure-log" / "erasure-log.jsonl"
            _until(lambda: len(read_erasure_log(log)) >= registrations or None, "the log")
            engine = deployment.engine("privacy")
            with engine.connect() as connection:
                chain = load_chain(connection)
            engine.dispose()
            public = deployment.records_key.public_pem
            console.print(
                f"[bold]erasure records[/] {len(chain)} in privacy's database, chain and "
                f"signatures verify: {verify_chain(chain, public) == []}; offline log "
                f"{len(read_erasure_log(log))} lines, verifies: "
                f"{verify_erasure_log(log, public) == []}; partner called "
                f"{sum(partner.calls.values())} times"
            )
    left = [name for name, pid in pids.items() if pid is not None and pid_alive(pid)]
    console.print(
        f"[bold]stopped[/] PostgreSQL and broker "
        f"({'still running: ' + ', '.join(left) if left else 'no process left'}); "
        f"demo took {time.monotonic() - started:.1f} s"
    )
    return steps
