"""Must show 3: the users service's handler tested as a user would, with ``inbox.testing``
only: no Kafka, no relay; a real PostgreSQL database for the handler's session."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from postroom.inbox.testing import MemoryInbox
from postroom.outbox import Event
from postroom.services.users import create_tables, profile, registry


@pytest.fixture
def users_db(new_database: Callable[[str], tuple[str, sa.Engine]]) -> sa.Engine:
    _, engine = new_database("users_test")  # migrated: it has the inbox table
    create_tables(engine)
    return engine


def user_registered(email: str, user_id: uuid.UUID | None = None) -> Event:
    user_id = user_id or uuid.uuid4()
    return Event(
        aggregate_type="user",
        aggregate_id=str(user_id),
        type="UserRegistered",
        payload={"user_id": str(user_id), "email": email, "action": "create"},
    )


def profiles(engine: sa.Engine) -> dict[str, str]:
    with engine.connect() as connection:
        rows = connection.execute(sa.select(profile.c.user_id, profile.c.email)).all()
    return {str(user_id): email for user_id, email in rows}


def test_a_registration_delivered_three_times_in_any_order_makes_one_profile(
    users_db: sa.Engine,
) -> None:
    inbox = MemoryInbox(registry, users_db, consumer="users")
    ada = user_registered("ada@example.com")
    bob = user_registered("bob@example.com")
    inbox.publish(ada, copies=3)
    inbox.publish(bob, copies=2)

    outcomes = inbox.run(shuffle=42)

    assert (outcomes["handled"], outcomes["duplicate"]) == (2, 3)
    assert profiles(users_db) == {
        ada.aggregate_id: "ada@example.com",
        bob.aggregate_id: "bob@example.com",
    }


def test_the_profile_keeps_when_the_event_was_written(users_db: sa.Engine) -> None:
    inbox = MemoryInbox(registry, users_db, consumer="users")
    event = user_registered("cy@example.com")
    inbox.publish(event)
    inbox.run()
    with users_db.connect() as connection:
        row = connection.execute(sa.select(profile)).one()
    assert row.event_created_at == event.timestamp
    assert row.source_event_id == event.id


def test_a_registration_without_an_email_is_dead_lettered_not_half_applied(
    users_db: sa.Engine,
) -> None:
    inbox = MemoryInbox(registry, users_db, consumer="users")
    user_id = uuid.uuid4()
    broken = Event(
        aggregate_type="user",
        aggregate_id=str(user_id),
        type="UserRegistered",
        payload={"user_id": str(user_id)},
    )
    inbox.publish(broken)
    fine = inbox.publish(user_registered("dee@example.com"))

    inbox.run()

    [letter] = inbox.dead_letters
    assert (letter.reason, letter.attempts) == ("handler-failed", 4)  # 2 in place, 2 on retry
    assert "email" in letter.error
    assert inbox.handled == [fine]
    assert list(profiles(users_db).values()) == ["dee@example.com"]


def test_an_event_type_users_does_not_know_is_dead_lettered(users_db: sa.Engine) -> None:
    inbox = MemoryInbox(registry, users_db, consumer="users")
    inbox.publish(
        Event(aggregate_type="user", aggregate_id="u", type="UserRenamed", payload={"n": 1})
    )
    inbox.run()
    assert [d.reason for d in inbox.dead_letters] == ["unknown-event-type"]
