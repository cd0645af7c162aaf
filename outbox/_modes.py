"""The three outbox modes: how ``publish()`` writes an event and what the relay captures.

- ``table`` (default): INSERT then DELETE by primary key in the caller's transaction.
- ``retain``: INSERT into the time-partitioned ``outbox_retained``, kept for replay.
- ``wal-message``: ``pg_logical_emit_message``, no table at all.
"""

from __future__ import annotations

from typing import Literal

__all__ = ["DEFAULT_MODE", "OutboxMode"]

OutboxMode = Literal["table", "retain", "wal-message"]

#: The mode a migration records when none is chosen.
DEFAULT_MODE: OutboxMode = "table"
