"""The demo: the story of one user across five services, each on its own database.

register (auth) -> log in once authz's grant reached auth -> watch two titles
(watch-history) -> the cross-service activity view updates -> deactivate -> every
service hears of it. Each step is timed; everything runs on the embedded stack (private
PostgreSQL, broker, the real Debezium relay) and is stopped by PID at the end.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
from rich.console import Console
from rich.table import Table

from postroom.devstack import EmbeddedStack, pid_alive
from postroom.services.deployment import SERVICES, Deployment

__all__ = ["Step", "run_demo"]

T = TypeVar("T")


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
    def __init__(self, urls: dict[str, str], client: httpx.Client) -> None:
        self.urls, self.client = urls, client
        self.steps: list[Step] = []

    def timed(self, name: str, action: Callable[[], tuple[T, str]]) -> T:
        started = time.perf_counter()
        value, detail = action()
        self.steps.append(Step(name, detail, (time.perf_counter() - started) * 1000))
        return value

    def call(
        self, method: str, service: str, path: str, token: str | None = None, **kw: Any
    ) -> httpx.Response:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        return self.client.request(method, f"{self.urls[service]}{path}", headers=headers, **kw)

    def tell(self, n: int) -> None:
        email, password = f"viewer{n}@example.com", "correct horse battery"
        user = self.timed(
            "register",
            lambda: (
                (
                    body := self.call(
                        "POST", "auth", "/register", json={"email": email, "password": password}
                    )
                    .raise_for_status()
                    .json()
                )["user_id"],
                f"auth: account + UserRegistered in one transaction ({email})",
            ),
        )

        def logged_in() -> str | None:
            response = self.call(
                "POST", "auth", "/login", json={"email": email, "password": password}
            )
            response.raise_for_status()
            grant = response.json()
            return grant["access_token"] if "history:write" in grant["permissions"] else None

        token = self.timed(
            "log in",
            lambda: (
                _until(logged_in, "authz's member grant reaching auth"),
                "authz granted 'member' (RolesChanged) -> auth; EdDSA JWT issued",
            ),
        )

        def profile() -> dict[str, Any] | None:
            response = self.call("GET", "users", f"/users/{user}", token)
            return response.json() if response.status_code == 200 else None

        self.timed(
            "profile",
            lambda: (_until(profile, "the profile"), "users built the profile from UserRegistered"),
        )

        def watch() -> None:
            for title, seconds in (("Metropolis", 1500), ("Sunrise", 900)):
                self.call(
                    "POST",
                    "watch_history",
                    f"/users/{user}/watches",
                    token,
                    json={"title_id": title.lower(), "title": title, "seconds": seconds},
                ).raise_for_status()

        def known() -> bool | None:
            response = self.call("GET", "watch_history", f"/users/{user}/watches", token)
            return True if response.json().get("display_name") else None

        self.timed(
            "watch-history knows the user",
            lambda: (
                _until(known, "watch-history's user"),
                "local read model from auth's + users' events",
            ),
        )
        self.timed("watch", lambda: (watch(), "2 watches appended + TitleWatched"))

        def activity(
            expect: Callable[[dict[str, Any]], bool],
        ) -> Callable[[], dict[str, Any] | None]:
            def check() -> dict[str, Any] | None:
                response = self.call("GET", "activity", f"/activity/{user}", token)
                return (
                    response.json()
                    if response.status_code == 200 and expect(response.json())
                    else None
                )

            return check

        row = self.timed(
            "read model",
            lambda: (
                (
                    found := _until(
                        activity(lambda a: a["titles_watched"] == 2), "the activity view"
                    )
                ),
                f"activity view: {found['display_name']}, {found['titles_watched']} titles, "
                f"{found['seconds_watched']} s",
            ),
        )
        del row
        self.timed(
            "deactivate",
            lambda: (
                self.call("POST", "auth", f"/accounts/{user}/deactivate", token).raise_for_status(),
                "auth: status + UserDeactivated in one transaction",
            ),
        )

        def refused() -> bool | None:
            response = self.call(
                "POST",
                "watch_history",
                f"/users/{user}/watches",
                token,
                json={"title_id": "nosferatu", "title": "Nosferatu", "seconds": 60},
            )
            return True if response.status_code == 409 else None

        self.timed(
            "everyone knows",
            lambda: (
                (
                    _until(
                        activity(lambda a: a["status"] == "deactivated"), "the view's deactivation"
                    ),
                    _until(refused, "watch-history refusing"),
                ),
                "activity view says deactivated; watch-history refuses new watches",
            ),
        )


def run_demo(registrations: int = 1, console: Console | None = None) -> list[Step]:
    """Tell the story ``registrations`` times; return every timed step."""
    console = console or Console()
    started = time.monotonic()
    steps: list[Step] = []
    with EmbeddedStack() as stack, tempfile.TemporaryDirectory() as state:
        pids = {"postgres": stack.postgres.pid, "broker": stack.broker.pid}
        console.print(
            f"[bold]stack[/] PostgreSQL 127.0.0.1:{stack.postgres.port} (pid {pids['postgres']}), "
            f"broker {stack.bootstrap_servers} (pid {pids['broker']})"
        )
        t0 = time.perf_counter()
        deployment = Deployment.provision(stack.postgres.url(), stack.bootstrap_servers)
        console.print(
            f"[bold]databases[/] {', '.join(SERVICES)}: one database and one role each, "
            f"Postroom's and each service's own migrations ({(time.perf_counter() - t0):.1f} s)"
        )
        t0 = time.perf_counter()
        with deployment.running(Path(state)) as urls, httpx.Client(timeout=30) as client:
            console.print(
                f"[bold]running[/] Debezium relay on 4 outboxes, 5 inbox workers, 5 HTTP APIs "
                f"({(time.perf_counter() - t0):.1f} s)"
            )
            for n in range(registrations):
                story = _Story(urls, client)
                story.tell(n)
                table = Table("step", "what happened", "ms", title=f"viewer{n}@example.com")
                for step in story.steps:
                    table.add_row(step.name, step.detail, f"{step.ms:.0f}")
                console.print(table)
                steps.extend(story.steps)
    left = [name for name, pid in pids.items() if pid is not None and pid_alive(pid)]
    console.print(
        f"[bold]stopped[/] PostgreSQL and broker "
        f"({'still running: ' + ', '.join(left) if left else 'no process left'}); "
        f"demo took {time.monotonic() - started:.1f} s"
    )
    return steps
