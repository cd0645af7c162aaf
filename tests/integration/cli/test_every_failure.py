"""Every command against every failure a newcomer meets, as a newcomer runs it: its own
process, real PostgreSQL and a real broker.

Each failure must end the same way: exit code 2, exactly one line on stderr starting
``error:``, no traceback; an unreachable broker within 10 s. Each URL form a user has
(``postgresql://``, ``+psycopg``, ``+psycopg2``, ``+asyncpg``) must work where the
command should succeed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from postroom import migrations
from postroom.devstack import EmbeddedStack, free_port

URL_FORMS = ("postgresql", "postgresql+psycopg", "postgresql+psycopg2", "postgresql+asyncpg")


@dataclass(frozen=True)
class World:
    """Where each command is pointed: {NAME} in a case's words is replaced by these."""

    migrated: str  # host:port/database, Postroom's tables at head
    empty: str  # a database without Postroom's tables
    unreachable: str  # nothing listens on this port
    broker: str
    closed_broker: str
    state_dir: Path

    def fill(self, words: list[str], form: str) -> list[str]:
        values = {
            "MIGRATED": f"{form}://postgres@{self.migrated}",
            "EMPTY": f"{form}://postgres@{self.empty}",
            "UNREACHABLE": f"{form}://postgres@{self.unreachable}",
            "BROKER": self.broker,
            "CLOSED_BROKER": self.closed_broker,
            "STATE": str(self.state_dir),
        }
        return [_fill(word, values) for word in words]


def _fill(word: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        word = word.replace("{" + name + "}", value)
    return word


@pytest.fixture(scope="module")
def world(stack: EmbeddedStack, tmp_path_factory: pytest.TempPathFactory) -> World:
    migrated = stack.postgres.create_database("cli_migrated")
    migrations.upgrade(migrated)
    stack.postgres.create_database("cli_empty")
    where = f"127.0.0.1:{stack.postgres.port}"
    return World(
        migrated=f"{where}/cli_migrated",
        empty=f"{where}/cli_empty",
        unreachable=f"127.0.0.1:{free_port()}/nowhere",
        broker=stack.bootstrap_servers,
        closed_broker=f"127.0.0.1:{free_port()}",
        state_dir=tmp_path_factory.mktemp("relay-state"),
    )


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str
    seconds: float


def postroom(*words: str, timeout: float = 60) -> Run:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTROOM_")}
    env["COLUMNS"] = "200"
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "postroom.cli", *words],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )
    return Run(done.returncode, done.stdout, done.stderr, time.monotonic() - started)


def assert_one_error_line(run: Run, *mentions: str) -> None:
    assert run.code == 2, run
    assert "Traceback" not in run.stderr, run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, run.stderr
    # Nothing else on stderr but a usage line (for a bad option): no client log noise.
    others = [line for line in run.stderr.splitlines() if not line.startswith("error:")]
    assert all(line.startswith(("usage:", " ")) for line in others), run.stderr
    for mention in mentions:
        assert mention in errors[0], errors[0]


def relay(database: str, broker: str) -> list[str]:
    return [
        *["relay", "--source", f"a={{{database}}}"],
        *["--bootstrap-servers", f"{{{broker}}}", "--state-dir", "{STATE}"],
    ]


def check_connection(database: str) -> list[str]:
    return [
        *["connector", "render", "a", "--database-url", f"{{{database}}}"],
        *["--check-connection", "--no-validate"],
    ]


# (command words, what the one error line must mention)
UNREACHABLE_DATABASE = [
    (["slot", "list", "--database-url", "{UNREACHABLE}"], "127.0.0.1"),
    (["slot", "drop", "x", "--database-url", "{UNREACHABLE}"], "Connection refused"),
    (["retain", "maintain", "--database-url", "{UNREACHABLE}"], "could not use the database"),
    (["inbox", "purge", "--database-url", "{UNREACHABLE}"], "could not use the database"),
    (["migrate", "current", "--database-url", "{UNREACHABLE}"], "not reachable"),
    (["migrate", "upgrade", "--database-url", "{UNREACHABLE}"], "not reachable"),
    (["migrate", "check", "--database-url", "{UNREACHABLE}"], "not reachable"),
    (
        relay("UNREACHABLE", "BROKER"),
        "could not use the database",
    ),
    (
        check_connection("UNREACHABLE"),
        "could not use the database",
    ),
]

MISSING_TABLES = [
    (["retain", "maintain", "--database-url", "{EMPTY}"], "postroom migrate upgrade"),
    (["inbox", "purge", "--database-url", "{EMPTY}"], "postroom migrate upgrade"),
    (["migrate", "check", "--database-url", "{EMPTY}"], ""),
    (
        relay("EMPTY", "BROKER"),
        "postroom migrate upgrade",
    ),
    (
        check_connection("EMPTY"),
        "does not exist",
    ),
]

UNREACHABLE_BROKER = [
    ["dlq", "list", "--bootstrap-servers", "{CLOSED_BROKER}"],
    ["dlq", "list", "t.dlq", "--bootstrap-servers", "{CLOSED_BROKER}"],
    ["dlq", "show", "t.dlq", "0", "0", "--bootstrap-servers", "{CLOSED_BROKER}"],
    ["dlq", "replay", "t.dlq", "--all", "--bootstrap-servers", "{CLOSED_BROKER}"],
    relay("MIGRATED", "CLOSED_BROKER"),
]

BAD_INPUT = [
    (["slot", "list"], "--database-url is required: give it, or set POSTROOM_DATABASE_URL"),
    (["dlq", "list"], "set POSTROOM_BOOTSTRAP_SERVERS"),
    (["connector", "status", "a"], "set POSTROOM_CONNECT_URL"),
    (["relay", "--source", "a={MIGRATED}"], "set POSTROOM_BOOTSTRAP_SERVERS"),
    (["slot", "list", "--database-url", "mysql://h/db"], "not a PostgreSQL URL"),
    (["migrate", "current", "--database-url", "h:5432/db"], "not a database URL"),
    (["slot", "list", "--database-url", "{MIGRATED}", "--bogus"], "unrecognized arguments"),
    (
        [*relay("MIGRATED", "BROKER")[:2], "{MIGRATED}", *relay("MIGRATED", "BROKER")[3:]],
        "NAME=postgres",
    ),
    (["migrate", "upgrade", "--database-url", "{MIGRATED}", "nosuchrev"], "nosuchrev"),
    (["slot", "drop", "no_such_slot", "--database-url", "{MIGRATED}"], "no_such_slot"),
    (["dlq", "show", "no.such.dlq", "0", "0", "--bootstrap-servers", "{BROKER}"], "no dead"),
    (["dlq", "replay", "t.dlq", "--bootstrap-servers", "{BROKER}"], "--partition and --offset"),
    (
        ["connector", "status", "a", "--connect-url", "http://127.0.0.1:1"],
        "127.0.0.1:1",
    ),
    (["retain", "maintain", "--database-url", "{MIGRATED}", "--days-ahead", "-1"], ">= 0"),
]


def ids(cases: list[tuple[list[str], str]]) -> list[str]:
    return [" ".join(words[:2]) + f" #{i}" for i, (words, _) in enumerate(cases)]


@pytest.mark.parametrize(("words", "mention"), UNREACHABLE_DATABASE, ids=ids(UNREACHABLE_DATABASE))
def test_an_unreachable_database(world: World, words: list[str], mention: str) -> None:
    run = postroom(*world.fill(words, "postgresql"))
    assert_one_error_line(run, mention)


@pytest.mark.parametrize(("words", "mention"), MISSING_TABLES, ids=ids(MISSING_TABLES))
def test_a_database_without_postrooms_tables(world: World, words: list[str], mention: str) -> None:
    run = postroom(*world.fill(words, "postgresql+asyncpg"))
    assert_one_error_line(run, mention)


@pytest.mark.parametrize(
    "words", UNREACHABLE_BROKER, ids=[" ".join(w[:2]) for w in UNREACHABLE_BROKER]
)
def test_an_unreachable_broker_within_10_seconds(world: World, words: list[str]) -> None:
    run = postroom(*world.fill(words, "postgresql"))
    assert_one_error_line(run, "no Kafka broker answers at", world.closed_broker)
    assert run.seconds < 10


@pytest.mark.parametrize(("words", "mention"), BAD_INPUT, ids=ids(BAD_INPUT))
def test_bad_input(world: World, words: list[str], mention: str) -> None:
    run = postroom(*world.fill(words, "postgresql"))
    assert_one_error_line(run, mention)


WORKS = [
    ["slot", "list", "--database-url", "{MIGRATED}", "--json"],
    ["inbox", "purge", "--database-url", "{MIGRATED}", "--json"],
    ["retain", "maintain", "--database-url", "{MIGRATED}", "--json"],
    ["migrate", "current", "--database-url", "{MIGRATED}", "--json"],
    ["migrate", "upgrade", "--database-url", "{MIGRATED}", "--json"],
    ["migrate", "check", "--database-url", "{MIGRATED}", "--json"],
]


@pytest.mark.parametrize("form", URL_FORMS)
@pytest.mark.parametrize("words", WORKS, ids=[" ".join(w[:2]) for w in WORKS])
def test_every_url_form_works(world: World, words: list[str], form: str) -> None:
    import json

    run = postroom(*world.fill(words, form))
    assert (run.code, run.stderr) == (0, "")
    json.loads(run.stdout)


def test_commands_that_change_something_say_so(world: World) -> None:
    upgrade = postroom(
        *world.fill(["migrate", "upgrade", "--database-url", "{MIGRATED}"], "postgresql")
    )
    assert upgrade.code == 0
    assert upgrade.stdout.startswith("upgraded Postroom's tables in the search_path schema to ")
    maintain = postroom(
        *world.fill(["retain", "maintain", "--database-url", "{MIGRATED}"], "postgresql")
    )
    assert maintain.code == 0
    assert maintain.stdout.startswith("retained outbox: created ")
