"""The demo: a registration crosses from auth's database to users' database.

Starts the embedded stack (private PostgreSQL + broker), the real Debezium relay on
auth's outbox, the users inbox worker and the auth HTTP API; registers users over HTTP;
waits for each profile to appear in the users database; prints the commit-to-handler
latency; stops everything by PID.
"""

from __future__ import annotations

import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import sqlalchemy as sa
import uvicorn
from rich.console import Console
from rich.table import Table

from postroom import migrations
from postroom.connectors import ConnectorConfig, Relay, RelaySource, ensure_topics
from postroom.devstack import EmbeddedStack, free_port, pid_alive
from postroom.inbox import InboxConfig, InboxWorker
from postroom.services import auth, users
from postroom.services.users._handlers import TOPIC

__all__ = ["run_demo"]


@contextmanager
def _http_server(app: object, port: int) -> Iterator[None]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))  # type: ignore[arg-type]
    thread = threading.Thread(target=server.run, name="auth-http", daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(10)


def _wait_for_profile(
    engine: sa.Engine, user_id: uuid.UUID, timeout: float
) -> sa.Row[tuple[object, ...]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            row = connection.execute(
                sa.select(users.profile).where(users.profile.c.user_id == user_id)
            ).first()
        if row is not None:
            return row
        time.sleep(0.005)
    raise TimeoutError(f"profile {user_id} did not appear in the users database in {timeout} s")


def run_demo(registrations: int = 3, console: Console | None = None) -> list[float]:
    """Run the demo; return each registration's commit-to-handler latency in ms."""
    console = console or Console()
    started = time.monotonic()
    latencies: list[float] = []
    with EmbeddedStack() as stack, tempfile.TemporaryDirectory() as state:
        pids = {"postgres": stack.postgres.pid, "broker": stack.broker.pid}
        console.print(
            f"[bold]stack[/] PostgreSQL 127.0.0.1:{stack.postgres.port} "
            f"(pid {pids['postgres']}), broker {stack.bootstrap_servers} "
            f"(pid {pids['broker']})"
        )
        auth_url = stack.postgres.create_database("auth")
        users_url = stack.postgres.create_database("users")
        auth_db, users_db = sa.create_engine(auth_url), sa.create_engine(users_url)
        for url in (auth_url, users_url):
            migrations.upgrade(url)
        auth.create_tables(auth_db)
        users.create_tables(users_db)
        ensure_topics(stack.bootstrap_servers, [TOPIC])

        relay = Relay(
            [RelaySource(ConnectorConfig.from_url("auth", auth_url), auth_url)],
            bootstrap_servers=stack.bootstrap_servers,
            state_dir=Path(state),
        )
        worker = InboxWorker(
            InboxConfig.low_latency("users", (TOPIC,), stack.bootstrap_servers),
            users.registry,
            users_db,
        )
        port = free_port()
        with (
            relay,
            worker.running(),
            _http_server(auth.create_app(auth_db), port),
        ):
            relay.wait_streaming()
            console.print(
                "[bold]relay[/] Debezium is streaming auth's outbox "
                "(slot active); users' inbox worker is consuming "
                f"{TOPIC}; auth API on http://127.0.0.1:{port}"
            )
            table = Table("email", "user id", "auth commit → users handler")
            with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
                for n in range(registrations):
                    email = f"user{n}@example.com"
                    response = client.post(
                        "/register", json={"email": email, "password": "correct horse"}
                    )
                    response.raise_for_status()
                    user_id = uuid.UUID(response.json()["user_id"])
                    row = _wait_for_profile(users_db, user_id, timeout=60)
                    latency = (row.handled_at - row.event_created_at).total_seconds() * 1000
                    latencies.append(latency)
                    table.add_row(row.email, str(user_id), f"{latency:.1f} ms")
            console.print(table)
            if len(latencies) > 1:
                steady = sorted(latencies[1:])[len(latencies[1:]) // 2]
                console.print(
                    f"first registration {latencies[0]:.1f} ms (one-time warm-up: topic "
                    f"metadata, connections, JIT); after it, median {steady:.1f} ms"
                )
        auth_db.dispose()
        users_db.dispose()
    left = [name for name, pid in pids.items() if pid is not None and pid_alive(pid)]
    console.print(
        f"[bold]stopped[/] PostgreSQL and broker "
        f"({'still running: ' + ', '.join(left) if left else 'no process left'}); "
        f"demo took {time.monotonic() - started:.1f} s"
    )
    return latencies
