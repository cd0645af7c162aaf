"""What the privacy tests share: a user with data in every service, waiting for sagas,
and the scan of every table of every service database and of the reporting store."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from postroom.privacy import SUBJECT_KEYS_TABLE
from postroom.services import activity, privacy, watch_history
from tests.integration.services.conftest import Platform, until


def count(platform: Platform, service: str, table: sa.Table, user_id: str) -> int:
    engine = platform.deployment.engine(service)
    try:
        with engine.connect() as connection:
            return int(
                connection.execute(
                    sa.select(sa.func.count()).select_from(table).where(table.c.user_id == user_id)
                ).scalar_one()
            )
    finally:
        engine.dispose()


def user_with_data(platform: Platform, title: str) -> dict[str, str]:
    """A registered user who watched ``title`` twice, once every service knows it all
    (the view counts both watches, the cold store holds them)."""
    user_id, email = platform.register()
    token = platform.member_token(email)
    for seconds in (300, 120):
        assert platform.watch(user_id, token, title, seconds).status_code == 201
    until(
        lambda: (
            count(platform, "activity", activity.user_activity, user_id)
            and _view_counts(platform, user_id) == 2
        ),
        "the activity view counting both watches",
    )
    until(
        lambda: count(platform, "watch_history", watch_history.known_user, user_id),
        "watch-history's user cache",
    )
    until(
        lambda: (
            len(
                platform.store.query(
                    "SELECT id FROM events WHERE aggregate_id = ? AND type = 'TitleWatched'",
                    [user_id],
                )
            )
            == 2
        ),
        "the cold store holding both watches",
    )
    return {"user_id": user_id, "email": email, "display_name": email.split("@")[0]}


def _view_counts(platform: Platform, user_id: str) -> int:
    engine = platform.deployment.engine("activity")
    try:
        with engine.connect() as connection:
            found = connection.execute(
                sa.select(activity.user_activity.c.titles_watched).where(
                    activity.user_activity.c.user_id == user_id
                )
            ).scalar()
            return int(found or 0)
    finally:
        engine.dispose()


def erasure(platform: Platform, request_id: str) -> dict[str, Any]:
    response = platform.call("GET", "privacy", f"/erasures/{request_id}", platform.admin_token())
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def erase(platform: Platform, user_id: str) -> str:
    response = platform.call("DELETE", "privacy", f"/users/{user_id}/data", platform.admin_token())
    assert response.status_code == 202, response.text
    return str(response.json()["request_id"])


def completed(platform: Platform, request_id: str, timeout: float = 90) -> dict[str, Any]:
    return until(
        lambda: (found := erasure(platform, request_id))["status"] == "completed" and found,
        f"erasure {request_id} completing",
        timeout=timeout,
    )


def export(platform: Platform, user_id: str) -> str:
    response = platform.call("POST", "privacy", f"/users/{user_id}/export", platform.admin_token())
    assert response.status_code == 202, response.text
    return str(response.json()["request_id"])


def export_archive(platform: Platform, user_id: str, request_id: str) -> dict[str, Any]:
    token = platform.admin_token()
    path = f"/users/{user_id}/export/{request_id}"
    until(
        lambda: platform.call("GET", "privacy", path, token).json().get("ready"),
        f"export {request_id} being ready",
        timeout=60,
    )
    response = platform.call("GET", "privacy", f"{path}/archive", token)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    return privacy.read_archive(response.content)


def scan(platform: Platform, needles: list[str]) -> dict[str, int]:
    """Rows holding any of ``needles`` (as text, case-insensitive), per database.table,
    in every table of every service database and in the reporting store."""
    found: dict[str, int] = {}
    for name, database in platform.deployment.databases.items():
        engine = sa.create_engine(database.admin_url, poolclass=sa.NullPool)
        try:
            with engine.connect() as connection:
                tables = connection.execute(
                    sa.text(
                        "SELECT table_schema, table_name FROM information_schema.tables "
                        "WHERE table_type = 'BASE TABLE' "
                        "AND table_schema NOT IN ('pg_catalog', 'information_schema')"
                    )
                ).all()
                for schema, table in tables:
                    # A shredded key's row stays as the refusal to make a new key: the
                    # user's id and when, no key and no personal data (docs/shredding.md).
                    keyless = " AND t.data_key IS NOT NULL" if table == SUBJECT_KEYS_TABLE else ""
                    for needle in needles:
                        hits = connection.execute(
                            sa.text(
                                f'SELECT count(*) FROM "{schema}"."{table}" t '
                                f"WHERE t::text ILIKE :needle{keyless}"
                            ),
                            {"needle": f"%{needle}%"},
                        ).scalar_one()
                        if hits:
                            key = f"{name}.{table}"
                            found[key] = found.get(key, 0) + int(hits)
        finally:
            engine.dispose()
    tables = [
        row[0] for row in platform.store.query("SELECT table_name FROM information_schema.tables")
    ]
    assert "events" in tables
    for table in tables:
        for row in platform.store.query(f'SELECT CAST(COLUMNS(*) AS VARCHAR) FROM "{table}"'):
            text = " ".join(str(v) for v in row).lower()
            if any(needle.lower() in text for needle in needles):
                found[f"reporting.{table}"] = found.get(f"reporting.{table}", 0) + 1
    return found
