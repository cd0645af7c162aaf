"""``assert_rows_survive``: prove a data migration keeps (or correctly reshapes) rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from postroom.migrations._migrator import Migrator

__all__ = ["assert_rows_survive"]


def assert_rows_survive(
    migrator: Migrator,
    *,
    table: str,
    rows: Iterable[Mapping[str, Any]],
    before: str,
    after: str = "heads",
    schema: str | None = None,
    expected: Iterable[Mapping[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Insert ``rows`` at revision ``before``, migrate to ``after``, check they are there.

    Each row of ``expected`` (default: ``rows``) must match a row of the migrated table on
    every key it gives; extra columns are ignored. Fails with ``AssertionError`` listing
    the rows that were lost or changed. Returns the table's rows after the migration.
    """
    given = [dict(row) for row in rows]
    wanted = given if expected is None else [dict(row) for row in expected]
    migrator.migrate(before)
    migrator.insert(table, given, schema=schema)
    migrator.migrate(after)
    found = migrator.rows(table, schema=schema)
    missing = [
        row
        for row in wanted
        if not any(all(other.get(k) == v for k, v in row.items()) for other in found)
    ]
    assert not missing, (
        f"{len(missing)} of {len(wanted)} rows of {table!r} did not survive "
        f"{before} -> {after}: {missing[:5]}"
    )
    return found
