"""The saga table, kept in the coordinating service's own database.

Postroom ships no revision for it: the coordinating service adds ``saga_table(metadata)``
to its models and creates it in its own Alembic revision (``create_saga_table(op)``), so
only the services that coordinate sagas have it. One row per saga; its steps and
participants are the ``state`` document, rewritten under ``SELECT ... FOR UPDATE`` by
each transition, so two replies committed at once never lose one another.
``next_due_at`` is when the scheduler next has something to do for it.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID

__all__ = ["DEFAULT_SAGA_TABLE", "create_saga_table", "saga_table"]

DEFAULT_SAGA_TABLE = "postroom_saga"


def _columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("id", UUID(as_uuid=False), primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("subject", sa.Text, nullable=True),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("step", sa.Text, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("state", JSONB, nullable=False),
        sa.Column("data", JSONB, nullable=False),
    ]


def saga_table(
    metadata: sa.MetaData, *, name: str = DEFAULT_SAGA_TABLE, schema: str | None = None
) -> sa.Table:
    """The saga table in ``metadata`` (add it to the coordinating service's models)."""
    return sa.Table(
        name,
        metadata,
        *_columns(),
        sa.Index(f"ix_{name}_due", "status", "next_due_at"),
        sa.Index(f"ix_{name}_subject", "kind", "subject"),
        schema=schema,
    )


def create_saga_table(
    op: Any, *, name: str = DEFAULT_SAGA_TABLE, schema: str | None = None
) -> None:
    """Create the saga table from inside an Alembic revision (``op`` is ``alembic.op``)."""
    op.create_table(name, *_columns(), schema=schema)
    op.create_index(f"ix_{name}_due", name, ["status", "next_due_at"], schema=schema)
    op.create_index(f"ix_{name}_subject", name, ["kind", "subject"], schema=schema)
