"""``Migrator``: walk any Alembic project's revisions on one database, for tests.

Works on any script directory (a service's own, ours, or a service's that includes ours as
a branch): ``migrate(to=REV)`` goes up or down as needed, ``stairway()`` takes every
revision up, down and up again, and ``insert``/``rows`` help prove data survives.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.script import Script, ScriptDirectory

from postroom.errors import MigrationError, MigrationSettingsError
from postroom.migrations._api import sync_url
from postroom.migrations._snapshot import schema_snapshot

__all__ = ["Migrator"]


def _parents(revision: Script) -> tuple[str, ...]:
    down = revision.down_revision
    if down is None:
        return ()
    return (down,) if isinstance(down, str) else tuple(down)


class Migrator:
    """Runs the revisions of ``config`` (an Alembic ``Config``) against ``database_url``.

    The URL is set as ``sqlalchemy.url`` on ``config``: the project's ``env.py`` must take
    its URL from there (Alembic's templates do).
    """

    def __init__(self, config: Config, database_url: str) -> None:
        if not isinstance(config, Config):
            raise MigrationSettingsError(f"config must be an alembic Config, got {config!r}")
        self.database_url = database_url
        self.config = config
        config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
        self.script = ScriptDirectory.from_config(config)
        self._engine: sa.Engine | None = None

    # -- the revision graph -------------------------------------------------------------

    def revisions(self) -> list[str]:
        """Every revision id, each after all of its ancestors (base first)."""
        return [rev.revision for rev in reversed(list(self.script.walk_revisions()))]

    def heads(self) -> tuple[str, ...]:
        return tuple(self.script.get_heads())

    def current(self) -> tuple[str, ...]:
        """The revisions the database is at (its heads), asked through the project's env."""
        found: list[tuple[str, ...]] = []

        def record(rev: Any, context: Any) -> list[Any]:
            found.append(tuple(context.get_current_heads()))
            return []

        with EnvironmentContext(self.config, self.script, fn=record, dont_mutate=True):
            self.script.run_env()
        return found[0] if found else ()

    def _ancestors(self, heads: Iterable[str]) -> set[str]:
        seen: set[str] = set()
        todo = list(heads)
        while todo:
            revision = self.script.get_revision(todo.pop())
            if revision is None or revision.revision in seen:
                continue
            seen.add(revision.revision)
            # Parents and ``depends_on``: a dependency is applied without its own version row.
            todo.extend(revision._all_down_revisions)
        return seen

    def is_at_heads(self) -> bool:
        """Whether every head (of every branch) is applied: ``upgrade heads`` has nothing to do."""
        return set(self.heads()) <= self._ancestors(self.current())

    # -- moving -------------------------------------------------------------------------

    def upgrade(self, to: str = "heads") -> None:
        command.upgrade(self.config, to)

    def downgrade(self, to: str) -> None:
        command.downgrade(self.config, to)

    def migrate(self, to: str = "heads") -> None:
        """Bring the database to ``to`` (a revision id, ``head(s)`` or ``base``), up or down."""
        if not isinstance(to, str) or not to:
            raise MigrationSettingsError(f"to must be a revision id, got {to!r}")
        if to in ("head", "heads"):
            self.upgrade(to)
            return
        if to == "base":
            self.downgrade("base")
            return
        revision = self.script.get_revision(to)
        if revision is None:
            raise MigrationSettingsError(f"no revision {to!r}; known: {self.revisions()}")
        current = self.current()
        if revision.revision in current:
            return
        if revision.revision in self._ancestors(current):
            self.downgrade(revision.revision)
        else:
            self.upgrade(revision.revision)

    def step_down(self, revision_id: str) -> None:
        """Undo just ``revision_id`` (which must be a current head), leaving other branches."""
        revision = self.script.get_revision(revision_id)
        if revision is None:
            raise MigrationSettingsError(f"no revision {revision_id!r}")
        parents = _parents(revision)
        # "rev@-1" steps one branch down (to base for a root); a merge point is undone by
        # going down to one of its parents, which leaves all of them as heads.
        self.downgrade(parents[0] if len(parents) > 1 else f"{revision.revision}@-1")

    def stairway(self) -> list[str]:
        """Every revision in order: up to it, down one step, up again. Returns the order.

        After each downgrade, the version table and the whole structure (relations, columns,
        types, defaults, constraints, functions, triggers) must be exactly as they were
        before the upgrade; then the second upgrade must work again. Raises
        ``MigrationError`` naming the revision, the step and what differs.
        """
        order = self.revisions()
        for revision_id in order:
            before = set(self.current())
            structure = self.snapshot()
            steps = (
                ("upgrade", self.upgrade),
                ("downgrade", self.step_down),
                ("upgrade again", self.upgrade),
            )
            for step, action in steps:
                try:
                    action(revision_id)
                except Exception as exc:
                    raise MigrationError(
                        f"stairway failed at revision {revision_id!r} ({step}): {exc}"
                    ) from exc
                if step == "downgrade":
                    self._check_undone(revision_id, before, structure)
        return order

    def snapshot(self) -> set[str]:
        """The database's structure now (relations, columns, constraints, functions)."""
        with self.engine.connect() as connection:
            return schema_snapshot(connection)

    def _check_undone(self, revision_id: str, heads: set[str], structure: set[str]) -> None:
        if set(self.current()) != heads:
            raise MigrationError(
                f"stairway: downgrading {revision_id!r} left the database at "
                f"{sorted(self.current())}, expected {sorted(heads)}"
            )
        now = self.snapshot()
        if now != structure:
            left, lost = sorted(now - structure), sorted(structure - now)
            raise MigrationError(
                f"stairway: downgrading {revision_id!r} did not restore the schema as it was "
                f"before its upgrade; left behind: {left}; missing: {lost}"
            )

    # -- data -----------------------------------------------------------------------------

    @property
    def engine(self) -> sa.Engine:
        if self._engine is None:
            self._engine = sa.create_engine(sync_url(self.database_url), poolclass=sa.NullPool)
        return self._engine

    def _table(self, connection: sa.Connection, table: str, schema: str | None) -> sa.Table:
        return sa.Table(table, sa.MetaData(), schema=schema, autoload_with=connection)

    def insert(
        self, table: str, rows: Iterable[Mapping[str, Any]], *, schema: str | None = None
    ) -> None:
        """Insert ``rows`` into ``table`` as it is at the current revision (reflected)."""
        rows = [dict(row) for row in rows]
        with self.engine.begin() as connection:
            if rows:
                connection.execute(sa.insert(self._table(connection, table, schema)), rows)

    def rows(
        self, table: str, *, schema: str | None = None, order_by: str | None = None
    ) -> list[dict[str, Any]]:
        """Every row of ``table`` as dicts (ordered by ``order_by`` if given)."""
        with self.engine.connect() as connection:
            reflected = self._table(connection, table, schema)
            query = sa.select(reflected)
            if order_by is not None:
                query = query.order_by(reflected.c[order_by])
            return [dict(row._mapping) for row in connection.execute(query)]

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
