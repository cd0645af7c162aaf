"""The README's synopsis runs as written, against the real stack."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from postroom.connectors import ensure_topics
from postroom.devstack import EmbeddedStack

README = Path(__file__).parents[2] / "README.md"


def python_snippets(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_the_synopsis_carries_a_registration_from_auth_to_users(
    stack: EmbeddedStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth_url = stack.postgres.create_database("readme_auth")
    users_url = stack.postgres.create_database("readme_users")
    from postroom import migrations

    for url in (auth_url, users_url):
        migrations.upgrade(url)
    for url, ddl in (
        (auth_url, "CREATE TABLE credential (email text PRIMARY KEY)"),
        (users_url, "CREATE TABLE profile (user_id text PRIMARY KEY, email text)"),
    ):
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            connection.execute(sa.text(ddl))
        engine.dispose()
    ensure_topics(stack.bootstrap_servers, ["outbox.event.user"])
    monkeypatch.setenv("AUTH_DATABASE_URL", auth_url)
    monkeypatch.setenv("USERS_DATABASE_URL", users_url)
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", stack.bootstrap_servers)
    monkeypatch.chdir(tmp_path)

    snippets = python_snippets(README.read_text())
    assert len(snippets) >= 3
    namespace: dict[str, object] = {}
    for snippet in snippets[:3]:
        exec(compile(snippet, str(README), "exec"), namespace)

    users = sa.create_engine(users_url)
    with users.connect() as connection:
        rows = connection.execute(sa.text("SELECT user_id, email FROM profile")).all()
    users.dispose()
    for name in ("auth", "users"):
        engine = namespace[name]
        assert isinstance(engine, sa.Engine)
        engine.dispose()
    assert rows == [("42", "a@example.com")]
