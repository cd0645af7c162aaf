"""Must-show 1: on the real stack with a database per service (six, privacy's included),
a registration reaches users, watch-history's read model and the cross-service activity
view; watches reach the view; a deactivation reaches every one of them."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from postroom.services import activity, authz, users, watch_history
from tests.integration.services.conftest import Platform, until


def row(
    platform: Platform, service: str, table: sa.Table, user_id: str
) -> sa.Row[tuple[object, ...]] | None:
    engine = platform.deployment.engine(service)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.select(table).where(table.c.user_id == user_id)).first()
    finally:
        engine.dispose()


def test_six_services_each_have_their_own_database(platform: Platform) -> None:
    databases = platform.deployment.databases

    assert len({db.name for db in databases.values()}) == len(databases) == 6
    assert all(db.role == db.name for db in databases.values())


def test_a_registration_and_watches_reach_every_read_model(platform: Platform) -> None:
    user_id, email = platform.register()

    profile = until(lambda: row(platform, "users", users.profile, user_id), "the profile")
    assert (profile.email, profile.display_name, profile.status) == (
        email,
        email.split("@")[0],
        "active",
    )
    known = until(
        lambda: (
            (found := row(platform, "watch_history", watch_history.known_user, user_id))
            and found.display_name
            and found
        ),
        "watch-history's user read model",
    )
    assert known.status == "active"
    # Other services hold the name sealed; only users' key opens it (crypto-shredding).
    name = email.split("@")[0]
    assert platform.open_sealed(user_id, "display_name", known.display_name) == name
    token = platform.member_token(email)

    assert platform.watch(user_id, token, "Metropolis", 1500).status_code == 201
    assert platform.watch(user_id, token, "Sunrise", 900).status_code == 201

    view = until(
        lambda: (
            (found := row(platform, "activity", activity.user_activity, user_id))
            and found.titles_watched == 2
            and found.display_name
            and found
        ),
        "the activity view counting both watches",
    )
    assert platform.open_sealed(user_id, "display_name", view.display_name) == name
    assert (view.status, view.seconds_watched, view.last_title) == (
        "active",
        2400,
        "Sunrise",
    )
    screen = platform.call("GET", "activity", f"/activity/{user_id}", token)
    assert screen.status_code == 200 and screen.json()["titles_watched"] == 2


def test_a_report_on_the_cold_store_reflects_the_watches(
    platform: Platform, tmp_path: Path
) -> None:
    user_id, email = platform.register()
    token = platform.member_token(email)
    title = f"Report {user_id}"
    for seconds in (100, 250):
        assert platform.watch(user_id, token, title, seconds).status_code == 201

    def reported() -> dict[str, object] | None:
        rows = platform.call(
            "GET", "reporting", "/reports/watch-time-per-title", platform.admin_token()
        ).json()
        row = next((row for row in rows if row["title"] == title), None)
        return row if row is not None and row["views"] >= 2 else None

    assert until(reported, "the watch-time report") == {"title": title, "seconds": 350, "views": 2}
    days = platform.call(
        "GET", "reporting", "/reports/registrations-per-day", platform.admin_token()
    ).json()
    assert sum(day["registrations"] for day in days) >= 1
    files = platform.store.export_parquet(tmp_path / "cold")
    assert files and all(path.parent.name.startswith("day=") for path in files)


def test_a_profile_edit_reaches_watch_history_and_the_view(platform: Platform) -> None:
    user_id, email = platform.register()
    token = platform.member_token(email)

    edited = platform.call(
        "PATCH", "users", f"/users/{user_id}", token, json={"display_name": "Ada"}
    )

    assert edited.status_code == 200 and edited.json()["display_name"] == "Ada"
    until(
        lambda: (
            (found := row(platform, "watch_history", watch_history.known_user, user_id))
            and found.display_name
            and platform.open_sealed(user_id, "display_name", found.display_name) == "Ada"
        ),
        "the new name in watch-history",
    )
    until(
        lambda: (
            (found := row(platform, "activity", activity.user_activity, user_id))
            and found.display_name
            and platform.open_sealed(user_id, "display_name", found.display_name) == "Ada"
        ),
        "the new name in the activity view",
    )


def test_a_deactivation_reaches_every_service(platform: Platform) -> None:
    user_id, email = platform.register()
    token = platform.member_token(email)
    assert platform.watch(user_id, token, "Nosferatu", 600).status_code == 201

    deactivated = platform.call("POST", "auth", f"/accounts/{user_id}/deactivate", token)

    assert deactivated.status_code == 204
    until(
        lambda: (r := row(platform, "users", users.profile, user_id)) and r.status == "deactivated",
        "users",
    )
    until(
        lambda: (
            (r := row(platform, "watch_history", watch_history.known_user, user_id))
            and r.status == "deactivated"
        ),
        "watch-history",
    )
    until(
        lambda: (
            (r := row(platform, "activity", activity.user_activity, user_id))
            and r.status == "deactivated"
            and r.titles_watched == 1
        ),
        "the activity view",
    )
    until(lambda: not authz_roles(platform, user_id), "authz revoking every role")
    assert platform.login(email).status_code == 403  # auth refuses the account
    refused = platform.watch(user_id, token, "Faust", 60)  # the token is still valid...
    assert refused.status_code == 409  # ...but watch-history knows the user is gone


def authz_roles(platform: Platform, user_id: str) -> list[str]:
    engine = platform.deployment.engine("authz")
    try:
        with engine.connect() as connection:
            return list(
                connection.execute(
                    sa.select(authz.role_assignment.c.role).where(
                        authz.role_assignment.c.user_id == user_id
                    )
                ).scalars()
            )
    finally:
        engine.dispose()


def test_an_admin_grant_reaches_the_next_token(platform: Platform) -> None:
    user_id, email = platform.register()
    platform.member_token(email)

    granted = platform.call("PUT", "authz", f"/users/{user_id}/roles/admin", platform.admin_token())

    assert granted.status_code == 200 and "admin" in granted.json()["roles"]
    until(
        lambda: "roles:admin" in platform.login(email).json()["permissions"],
        "the admin role in a new token",
    )


def test_a_password_change_keeps_the_account_and_changes_the_login(platform: Platform) -> None:
    user_id, email = platform.register()
    token = platform.member_token(email)
    change = {"current_password": "correct horse battery", "new_password": "a new passphrase"}

    assert (
        platform.call(
            "POST", "auth", f"/accounts/{user_id}/password", token, json=change
        ).status_code
        == 204
    )
    assert platform.login(email).status_code == 401
    relogin = {"email": email, "password": "a new passphrase"}
    assert platform.call("POST", "auth", "/login", None, json=relogin).status_code == 200
    wrong = {"current_password": "not it at all", "new_password": "whatever else"}
    assert (
        platform.call(
            "POST", "auth", f"/accounts/{user_id}/password", token, json=wrong
        ).status_code
        == 403
    )


def test_an_email_change_and_a_deletion_reach_users_and_the_view(platform: Platform) -> None:
    user_id, email = platform.register()
    token = platform.member_token(email)
    new_email = f"renamed.{email}"

    changed = platform.call(
        "PUT", "auth", f"/accounts/{user_id}/email", token, json={"email": new_email}
    )
    assert changed.status_code == 204
    until(
        lambda: (r := row(platform, "users", users.profile, user_id)) and r.email == new_email,
        "the new email",
    )

    assert platform.call("DELETE", "auth", f"/accounts/{user_id}", token).status_code == 204
    until(
        lambda: row(platform, "users", users.profile, user_id) is None or None,
        "the profile deleted",
    )
    until(
        lambda: (
            (r := row(platform, "activity", activity.user_activity, user_id))
            and r.status == "deleted"
        ),
        "the view marking the user deleted",
    )
    until(lambda: not authz_roles(platform, user_id), "authz revoking every role")
    assert platform.login(new_email).status_code == 401
