"""Rebuild the view from scratch: empty it and forget which events were handled, in one
transaction; then ``postroom replay group --group activity --to-earliest`` and start the
worker again. Replayed events go through the inbox like live ones."""

from __future__ import annotations

import sqlalchemy as sa

from postroom.inbox import DEFAULT_INBOX_TABLE, inbox_table
from postroom.services.activity._handlers import CONSUMER
from postroom.services.activity._tables import user_activity

__all__ = ["forget_view"]


def forget_view(engine: sa.Engine, *, consumer: str = CONSUMER) -> int:
    """Empty ``user_activity`` and the consumer's inbox rows; return how many rows it had."""
    inbox = inbox_table(sa.MetaData(), name=DEFAULT_INBOX_TABLE)
    with engine.begin() as connection:
        rows = connection.execute(sa.select(sa.func.count()).select_from(user_activity)).scalar()
        connection.execute(sa.delete(user_activity))
        connection.execute(sa.delete(inbox).where(inbox.c.consumer == consumer))
    return int(rows or 0)
