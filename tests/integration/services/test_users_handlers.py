"""users' handlers through the inbox processor alone (no Kafka, no relay; a real
PostgreSQL database): a registration delivered many times in any order makes one
profile; a payload that breaks its contract changes nothing; an unknown type is refused.

(``inbox.testing.MemoryInbox`` drives sync handlers; the services' handlers are async,
so these tests drive ``AsyncInboxProcessor`` with the records the relay would send.)"""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from postroom.devstack import EmbeddedStack
from postroom.inbox import AsyncInboxProcessor, InboxMessage, Outcome, decode_record
from postroom.inbox.testing import record_for
from postroom.outbox import Event
from postroom.services import users
from postroom.services.events import UserRegistered
from postroom.services.platform import provision_database


@pytest.fixture
async def engine(stack: EmbeddedStack) -> AsyncIterator[AsyncEngine]:
    database = provision_database(stack.postgres.url(), f"users_h_{uuid.uuid4().hex[:8]}")
    users.MIGRATIONS.upgrade(database.url)
    engine = create_async_engine(database.url)
    yield engine
    await engine.dispose()


def delivered(event: Event) -> InboxMessage:
    return decode_record(record_for(event))


async def profiles(engine: AsyncEngine) -> dict[str, str]:
    async with engine.connect() as connection:
        rows = (
            await connection.execute(sa.select(users.profile.c.user_id, users.profile.c.email))
        ).all()
    return {str(user_id): email for user_id, email in rows}


async def test_a_registration_delivered_many_times_in_any_order_makes_one_profile(
    engine: AsyncEngine,
) -> None:
    processor = AsyncInboxProcessor(engine, "users", users.registry)
    ada = UserRegistered(user_id=uuid.uuid4(), email="ada@example.com", action="create").to_event()
    bob = UserRegistered(user_id=uuid.uuid4(), email="bob@example.com", action="create").to_event()
    deliveries = [delivered(ada)] * 3 + [delivered(bob)] * 2
    random.Random(42).shuffle(deliveries)

    outcomes = [await processor.process(message) for message in deliveries]

    assert outcomes.count(Outcome.HANDLED) == 2 and outcomes.count(Outcome.DUPLICATE) == 3
    assert await profiles(engine) == {
        ada.aggregate_id: "ada@example.com",
        bob.aggregate_id: "bob@example.com",
    }


async def test_a_payload_that_breaks_the_contract_changes_nothing(engine: AsyncEngine) -> None:
    processor = AsyncInboxProcessor(engine, "users", users.registry)
    user_id = str(uuid.uuid4())
    broken = Event(aggregate_type="user", aggregate_id=user_id, type="UserRegistered",
                   payload={"user_id": user_id, "action": "create"})  # fmt: skip

    with pytest.raises(ValidationError, match="carries the email"):
        await processor.process(delivered(broken))

    assert await profiles(engine) == {}
    # Not recorded as handled either: a fixed redelivery would still be applied.
    async with engine.connect() as connection:
        assert (
            await connection.execute(sa.text("SELECT count(*) FROM inbox_message"))
        ).scalar() == 0


async def test_an_event_type_users_does_not_know_is_refused(engine: AsyncEngine) -> None:
    from postroom.inbox import UnknownEventTypeError

    processor = AsyncInboxProcessor(engine, "users", users.registry)
    odd = Event(aggregate_type="user", aggregate_id="u", type="UserRenamed", payload={"n": 1})

    with pytest.raises(UnknownEventTypeError):
        await processor.process(delivered(odd))
