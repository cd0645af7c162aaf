"""Must-show 2: a consumer stopped while events flow catches up when restarted, with
nothing lost and nothing applied twice; the cross-service view rebuilt from the earliest
offset by ``postroom replay`` equals the live one, row for row."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from postroom.cli import main
from postroom.inbox import DEFAULT_INBOX_TABLE
from postroom.services import activity
from tests.integration.services.conftest import Platform, until


def view(platform: Platform) -> list[tuple[object, ...]]:
    engine = platform.deployment.engine("activity")
    try:
        with engine.connect() as connection:
            table = activity.user_activity
            return [
                tuple(r) for r in connection.execute(sa.select(table).order_by(table.c.user_id))
            ]
    finally:
        engine.dispose()


def handled(platform: Platform) -> int:
    engine = platform.deployment.engine("activity")
    try:
        with engine.connect() as connection:
            return int(
                connection.execute(
                    sa.text(f"SELECT count(*) FROM {DEFAULT_INBOX_TABLE} WHERE consumer = :c"),
                    {"c": platform.deployment.consumer("activity")},
                ).scalar_one()
            )
    finally:
        engine.dispose()


def totals(platform: Platform, user_id: str) -> tuple[int, int] | None:
    rows = [r for r in view(platform) if str(r[0]) == user_id]
    return (rows[0][4], rows[0][5]) if rows else None  # type: ignore[return-value]


def test_a_stopped_consumer_catches_up_with_nothing_lost_or_doubled(platform: Platform) -> None:
    platform.stop_worker("activity")
    try:
        users = []
        for n in range(3):
            user_id, email = platform.register()
            token = platform.member_token(email)
            for minute in range(n + 1):
                assert platform.watch(user_id, token, f"Title {minute}", 60).status_code == 201
            users.append((user_id, n + 1))
        assert all(totals(platform, user_id) is None for user_id, _ in users)
    finally:
        platform.start_worker("activity")

    expected = {user_id: (watches, 60 * watches) for user_id, watches in users}
    until(
        lambda: {user_id: totals(platform, user_id) for user_id in expected} == expected,
        "every user's totals, each watch counted once",
    )
    assert handled(platform) >= sum(2 + watches for _, watches in users)


def test_replay_refuses_while_the_group_has_live_members(
    platform: Platform, capsys: pytest.CaptureFixture[str]
) -> None:
    group = platform.deployment.consumer("activity")
    topics = [option for topic in activity.TOPICS for option in ("--topic", topic)]

    code = main(["replay", "group", "--bootstrap-servers", platform.deployment.bootstrap_servers,
                 "--group", group, *topics, "--to-earliest"])  # fmt: skip

    assert code == 2
    assert "live member" in capsys.readouterr().err


def test_the_view_rebuilt_by_replay_equals_the_live_one(platform: Platform) -> None:
    user_id, email = platform.register()
    token = platform.member_token(email)
    assert platform.watch(user_id, token, "Sunrise", 900).status_code == 201
    until(lambda: totals(platform, user_id) == (1, 900), "the live view")
    platform.stop_worker("activity")
    live = view(platform)

    emptied = activity.forget_view(
        sa.create_engine(platform.deployment.databases["activity"].url_for("psycopg")),
        consumer=platform.deployment.consumer("activity"),
    )
    code = main(["replay", "group", "--bootstrap-servers", platform.deployment.bootstrap_servers,
                 "--group", platform.deployment.consumer("activity"), "--to-earliest"])  # fmt: skip
    assert code == 0 and emptied == len(live) and view(platform) == []
    platform.start_worker("activity")

    until(lambda: view(platform) == live, "the rebuilt view equal to the live one", timeout=60)
