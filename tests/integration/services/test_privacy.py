"""Erasure and export of one user's data across six databases and the reporting store,
on the real stack (PostgreSQL, Debezium, the broker, every service's inbox worker):
export gets every service's part; erasure leaves no trace of the user anywhere, every
participant confirmed (the partner over HTTP, after it failed twice), and the signed
completion record and the offline erasure log verify; a stopped service is asked again
and the saga completes once it is back; an export with a service down is partial and
says which part is missing; a duplicate request changes nothing; tampering is detected."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from postroom.outbox import Outbox
from postroom.privacy import EventSigning
from postroom.services import privacy, users
from postroom.services.events import ErasureRequested, catalog
from tests.integration.services._privacy_helpers import (
    completed,
    count,
    erase,
    erasure,
    export,
    export_archive,
    scan,
    user_with_data,
)
from tests.integration.services.conftest import Platform, until

pytestmark = pytest.mark.privacy

EVERY_PARTICIPANT = {*privacy.PARTICIPANTS, "partner"}


def admin(platform: Platform, service: str) -> sa.Engine:
    return sa.create_engine(platform.deployment.databases[service].admin_url, poolclass=sa.NullPool)


def chain(platform: Platform) -> list[dict[str, object]]:
    engine = admin(platform, "privacy")
    try:
        with engine.connect() as connection:
            return privacy.load_chain(connection)
    finally:
        engine.dispose()


def key_shredded(platform: Platform, user_id: str) -> bool:
    """users holds the user's key row, keyless: shredded (and never made again)."""
    engine = admin(platform, "users")
    try:
        with engine.connect() as connection:
            row = connection.execute(
                sa.select(users.subject_key.c.data_key, users.subject_key.c.shredded_at).where(
                    users.subject_key.c.subject == user_id
                )
            ).one()
    finally:
        engine.dispose()
    return row.data_key is None and row.shredded_at is not None


def log_path(platform: Platform) -> Path:
    assert platform.deployment.privacy_log_dir is not None
    return platform.deployment.privacy_log_dir / privacy.LOG_NAME


def logged(platform: Platform, request_id: str) -> list[dict[str, object]]:
    return [
        e for e in privacy.read_erasure_log(log_path(platform)) if e["request_id"] == request_id
    ]


def test_an_export_returns_every_services_part(platform: Platform) -> None:
    user = user_with_data(platform, f"Export {uuid.uuid4()}")

    files = export_archive(platform, user["user_id"], export(platform, user["user_id"]))

    manifest = files.pop("manifest.json")
    assert manifest["complete"] is True and manifest["missing"] == [], manifest
    assert set(manifest["services"]) == set(privacy.PARTICIPANTS)
    assert set(files) == {f"{s}.json" for s in privacy.PARTICIPANTS}
    [account] = files["auth.json"]["account"]
    assert account["email"] == user["email"] and "password_hash" not in account
    assert files["users.json"]["profile"][0]["display_name"] == user["display_name"]
    assert sorted(w["seconds"] for w in files["watch_history.json"]["watch"]) == [120, 300]
    assert files["activity.json"]["user_activity"][0]["titles_watched"] == 2
    assert files["authz.json"]["role_assignment"][0]["role"] == "member"
    reported = {e["type"] for e in files["reporting.json"]["events"]}
    assert {"UserRegistered", "TitleWatched", "ProfileUpdated"} <= reported


def test_an_erasure_leaves_no_personal_data_anywhere_and_is_recorded(platform: Platform) -> None:
    title = f"Erased {uuid.uuid4()}"
    user = user_with_data(platform, title)
    needles = [user["user_id"], user["email"], user["display_name"]]
    earlier_export = export(platform, user["user_id"])  # privacy holds personal data too
    export_archive(platform, user["user_id"], earlier_export)
    assert set(scan(platform, needles)) >= {
        "auth.account",
        "authz.subject",
        "users.profile",
        "watch_history.watch",
        "watch_history.known_user",
        "activity.user_activity",
        "privacy.postroom_saga",
        "reporting.events",
    }

    request_id = erase(platform, user["user_id"])
    done = completed(platform, request_id)

    assert scan(platform, needles) == {}
    participants = done["participants"]
    assert set(participants) == EVERY_PARTICIPANT
    assert all(p["status"] == "done" for p in participants.values())
    assert participants["watch_history"]["reply"]["deleted"] == {"watch": 2, "known_user": 1}
    # users shredded the user's data key in the erasure's transaction, then confirmed.
    assert participants["users"]["reply"]["deleted"] == {"profile": 1, "data_key": 1}
    assert key_shredded(platform, user["user_id"])
    # The two watches and the registration stay (anonymised) for the reports; the
    # profile's and the roles' events go.
    assert participants["reporting"]["reply"]["anonymised"] == {"events": 3}
    assert participants["reporting"]["reply"]["deleted"]["events"] >= 2
    assert participants["partner"]["reply"]["deleted"] == {"partner": 1}
    assert platform.partner.calls[request_id] == 3  # failed twice, then erased
    # Reports still count the anonymised watches.
    assert [r for r in platform.store.watch_time_per_title() if r[0] == title] == [(title, 420, 2)]

    record = done["record"]
    assert record["body"]["subject"].startswith("hmac-sha256:")
    assert set(record["body"]["services"]) == EVERY_PARTICIPANT
    assert privacy.verify_chain(chain(platform), platform.deployment.records_key.public_pem) == []
    until(lambda: logged(platform, request_id), "the erasure log's entry")
    [entry] = logged(platform, request_id)
    assert entry["hash"] == record["hash"]
    assert not any(n in json.dumps(entry) for n in needles)
    public = platform.deployment.records_key.public_pem
    assert privacy.verify_erasure_log(log_path(platform), public) == []


def test_a_stopped_service_is_asked_again_and_the_erasure_completes_once_it_is_back(
    platform: Platform,
) -> None:
    user = user_with_data(platform, f"Stopped {uuid.uuid4()}")
    platform.stop_worker("activity")
    try:
        request_id = erase(platform, user["user_id"])
        waiting = until(
            lambda: (
                (found := erasure(platform, request_id))["participants"]["activity"]["requests"]
                >= 2
                and all(
                    p["status"] == "done"
                    for name, p in found["participants"].items()
                    if name != "activity"
                )
                and found
            ),
            "every other service confirming and activity being asked again",
        )
        assert waiting["status"] in ("running", "overdue")
        assert waiting["participants"]["activity"]["status"] == "waiting"
    finally:
        platform.start_worker("activity")

    done = completed(platform, request_id)
    assert done["participants"]["activity"]["reply"]["deleted"] == {"user_activity": 1}
    assert scan(platform, [user["user_id"], user["email"]]) == {}


def test_an_export_with_a_service_down_is_partial_and_names_the_missing_part(
    platform: Platform,
) -> None:
    user = user_with_data(platform, f"Partial {uuid.uuid4()}")
    platform.stop_worker("users")
    try:
        request_id = export(platform, user["user_id"])
        files = export_archive(platform, user["user_id"], request_id)
        status = platform.call(
            "GET",
            "privacy",
            f"/users/{user['user_id']}/export/{request_id}",
            platform.admin_token(),
        ).json()
    finally:
        platform.start_worker("users")

    manifest = files["manifest.json"]
    assert (manifest["partial"], manifest["missing"]) == (True, ["users"])
    assert manifest["services"]["users"] == "missing"
    assert "users.json" not in files and "auth.json" in files
    assert status["partial"] is True and status["services"]["users"] == "missing"


def test_a_duplicate_erasure_request_changes_nothing(platform: Platform) -> None:
    user = user_with_data(platform, f"Twice {uuid.uuid4()}")
    request_id = erase(platform, user["user_id"])
    before = completed(platform, request_id)
    until(lambda: logged(platform, request_id), "the erasure log's entry")
    records, log = chain(platform), log_path(platform).read_text()

    again = platform.call(
        "DELETE", "privacy", f"/users/{user['user_id']}/data", platform.admin_token()
    )
    assert again.status_code == 200
    assert again.json() == {
        "request_id": request_id,
        "status": "completed",
        "already_requested": True,
    }
    # The same request delivered again as a new event: every service handles it (and
    # erases nothing more), every answer reaches the saga, which ignores them all.
    duplicate = ErasureRequested(
        request_id=uuid.UUID(request_id),
        user_id=uuid.UUID(user["user_id"]),
        attempt=1,
        services=list(privacy.PARTICIPANTS),
    ).to_event()
    catalog.validate(duplicate)
    engine = admin(platform, "privacy")
    with Session(engine) as session, session.begin():
        # Signed with privacy's key, as privacy's own events are: consumers verify.
        signer = EventSigning(platform.deployment.signing_keys["privacy"])
        Outbox(signer=signer).publish(session, duplicate)
    engine.dispose()
    after = until(
        lambda: (
            (found := erasure(platform, request_id))["ignored_replies"] >= len(privacy.PARTICIPANTS)
            and found
        ),
        "every service's answer to the duplicate",
    )

    assert after["participants"] == before["participants"]
    assert after["record"] == before["record"]
    assert chain(platform)[: len(records)] == records
    assert log_path(platform).read_text().startswith(log)
    assert logged(platform, request_id) == [
        json.loads(line) for line in log.splitlines() if request_id in line
    ]
    assert count(platform, "users", users.profile, user["user_id"]) == 0


def test_editing_a_completion_record_or_the_erasure_log_fails_verification(
    platform: Platform, tmp_path: Path
) -> None:
    user = user_with_data(platform, f"Tamper {uuid.uuid4()}")
    request_id = erase(platform, user["user_id"])
    completed(platform, request_id)
    until(lambda: logged(platform, request_id), "the erasure log's entry")
    public = platform.deployment.records_key.public_pem

    engine = admin(platform, "privacy")
    with engine.connect() as connection, connection.begin() as transaction:
        connection.execute(
            sa.text(
                "UPDATE erasure_record SET body = jsonb_set(body, "
                "'{services,users,deleted,profile}', '0') WHERE request_id = :id"
            ),
            {"id": request_id},
        )
        problems = privacy.verify_chain(privacy.load_chain(connection), public)
        transaction.rollback()
    engine.dispose()
    assert len(problems) == 1 and "its body does not match its hash (edited)" in problems[0]
    assert privacy.verify_chain(chain(platform), public) == []

    copy = tmp_path / "erasure-log.jsonl"
    lines = log_path(platform).read_text().splitlines()
    edited = [json.loads(line) for line in lines]
    target = next(e for e in edited if e["request_id"] == request_id)
    target["body"]["completed_at"] = "2020-01-01T00:00:00+00:00"
    copy.write_text("".join(json.dumps(e) + "\n" for e in edited))
    [problem] = privacy.verify_erasure_log(copy, public)
    assert f"record {target['seq']}: its body does not match its hash" in problem
