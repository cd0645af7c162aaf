"""Data keys, one per data subject, in the key-owning service's own database.

``subject_keys_table`` is the table (the owning service creates it in one of its own
Alembic revisions, like any of its tables); ``SubjectKeys`` makes, finds and destroys
keys inside the caller's transaction, sync (``Session``) or async (``AsyncSession``).

Shredding keeps the row, with no key and the time it was shredded: a late event about
that subject can then not make a new key and seal fresh personal data for someone who
asked to be forgotten (``SubjectShreddedError``). The key bytes themselves are gone from
the table at commit; PostgreSQL's dead row versions go at the next VACUUM, and backups
of the key table must expire within the erasure deadline (see docs/shredding.md).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from postroom.errors import ConfigurationError, SubjectShreddedError
from postroom.privacy._sealing import new_data_key

__all__ = ["SUBJECT_KEYS_TABLE", "SubjectKeys", "subject_keys_table"]

SUBJECT_KEYS_TABLE = "postroom_subject_key"


def subject_keys_table(
    metadata: sa.MetaData, *, name: str = SUBJECT_KEYS_TABLE, schema: str | None = None
) -> sa.Table:
    """The data-key table, defined on ``metadata`` (the owning service's models)."""
    return sa.Table(
        name,
        metadata,
        sa.Column("subject", sa.Text, primary_key=True),
        # NULL once shredded: the row stays as the proof, and as the refusal.
        sa.Column("data_key", sa.LargeBinary, nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("shredded_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(data_key IS NULL) = (shredded_at IS NOT NULL)", name=f"{name}_key_or_shredded"
        ),
        schema=schema,
    )


def _subject(subject: object) -> str:
    if not isinstance(subject, str) or not subject.strip() or len(subject) > 1024:
        raise ConfigurationError(f"subject must be a non-empty string, got {subject!r}")
    return subject


class SubjectKeys:
    """Make, find and shred data keys in ``table`` (see ``subject_keys_table``)."""

    def __init__(self, table: sa.Table) -> None:
        if not isinstance(table, sa.Table) or "data_key" not in table.c:
            raise ConfigurationError("SubjectKeys needs a table made by subject_keys_table")
        self.table = table
        c = table.c
        self._create = (
            insert(table)
            .values(subject=sa.bindparam("subject"), data_key=sa.bindparam("data_key"))
            .on_conflict_do_nothing(index_elements=["subject"])
        )
        self._find = sa.select(c.data_key, c.shredded_at).where(c.subject == sa.bindparam("s"))
        tombstone = insert(table).values(
            subject=sa.bindparam("subject"), data_key=None, shredded_at=sa.bindparam("at")
        )
        first = sa.func.coalesce(c.shredded_at, tombstone.excluded.shredded_at)
        self._shred = tombstone.on_conflict_do_update(
            index_elements=["subject"], set_={"data_key": None, "shredded_at": first}
        ).returning(c.shredded_at)

    @staticmethod
    def _key_of(subject: str, row: Any) -> bytes:
        if row is None or row.data_key is None:
            raise SubjectShreddedError(
                f"the data key of subject {subject!r} was shredded at {row and row.shredded_at}"
            )
        return bytes(row.data_key)

    # -- sync --------------------------------------------------------------------------

    def key_for(self, session: Session, subject: str) -> bytes:
        """``subject``'s key, made now if it has none; ``SubjectShreddedError`` if shredded."""
        subject = _subject(subject)
        session.execute(self._create, {"subject": subject, "data_key": new_data_key()})
        return self._key_of(subject, session.execute(self._find, {"s": subject}).first())

    def find_key(self, session: Session, subject: str) -> bytes | None:
        """``subject``'s key, or ``None`` if it never had one or it was shredded."""
        row = session.execute(self._find, {"s": _subject(subject)}).first()
        return None if row is None or row.data_key is None else bytes(row.data_key)

    def shred(self, session: Session, subject: str) -> datetime:
        """Destroy ``subject``'s key (in the caller's transaction); returns when it was
        first shredded. Idempotent; shredding a subject with no key yet still refuses any
        key for it later."""
        at = datetime.now(UTC)
        shredded: datetime = session.execute(
            self._shred, {"subject": _subject(subject), "at": at}
        ).scalar_one()
        return shredded

    # -- async -------------------------------------------------------------------------

    async def key_for_async(self, session: AsyncSession, subject: str) -> bytes:
        """``key_for`` on an ``AsyncSession``."""
        subject = _subject(subject)
        await session.execute(self._create, {"subject": subject, "data_key": new_data_key()})
        return self._key_of(subject, (await session.execute(self._find, {"s": subject})).first())

    async def find_key_async(self, session: AsyncSession, subject: str) -> bytes | None:
        """``find_key`` on an ``AsyncSession``."""
        row = (await session.execute(self._find, {"s": _subject(subject)})).first()
        return None if row is None or row.data_key is None else bytes(row.data_key)

    async def shred_async(self, session: AsyncSession, subject: str) -> datetime:
        """``shred`` on an ``AsyncSession``."""
        at = datetime.now(UTC)
        result = await session.execute(self._shred, {"subject": _subject(subject), "at": at})
        shredded: datetime = result.scalar_one()
        return shredded
