"""Drift detection: do the tables our revisions built match the models the code uses?

It is Alembic's autogenerate comparison (what ``alembic check`` runs) between a migrated
database and ``framework_metadata`` (or any ``MetaData`` you pass). Only the tables the
models name are compared: a service's own tables, and partitions, in the same schema are
not ours and are left out.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from postroom.errors import MigrationDriftError, MigrationSettingsError
from postroom.migrations._api import mapped_errors, resolve_settings, sync_url
from postroom.migrations._metadata import framework_metadata
from postroom.migrations._settings import MigrationSettings

__all__ = ["check_drift", "compare_to_models"]


def _describe(diff: Any) -> str:
    if isinstance(diff, list):
        return "; ".join(_describe(part) for part in diff)
    operation = diff[0]
    if operation in ("add_column", "remove_column"):
        _, _, table, column = diff
        where = "models but not in the database" if operation == "add_column" else "database only"
        return f"{operation}: column {table}.{column.name} ({column.type}) is in the {where}"
    if operation.startswith("modify_"):
        _, _, table, column, _, database_value, model_value = diff
        return (
            f"{operation}: {table}.{column}: "
            f"database has {database_value!r}, models say {model_value!r}"
        )
    subject = diff[1]
    name = getattr(subject, "name", None) or repr(subject)
    return f"{operation}: {name}"


def compare_to_models(
    database_url: str,
    *,
    schema: str | None = None,
    settings: MigrationSettings | None = None,
    metadata: sa.MetaData | None = None,
) -> list[str]:
    """Differences between the database and the models, one readable line each ([] if none)."""
    resolved = resolve_settings(schema, settings)
    if metadata is None:
        metadata = framework_metadata(settings=resolved)
    elif not isinstance(metadata, sa.MetaData):
        raise MigrationSettingsError(f"metadata must be a sqlalchemy.MetaData, got {metadata!r}")
    table_names = {table.name for table in metadata.tables.values()}

    def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
        if type_ == "schema":
            return name == resolved.schema
        if type_ == "table":
            return name in table_names
        return True

    engine = sa.create_engine(sync_url(database_url), poolclass=sa.NullPool)
    try:
        with mapped_errors("drift check"), engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={
                    "compare_type": True,
                    "compare_server_default": True,
                    "include_schemas": resolved.schema is not None,
                    "include_name": include_name,
                    "version_table": resolved.version_table,
                    "version_table_schema": resolved.schema,
                },
            )
            return [_describe(diff) for diff in compare_metadata(context, metadata)]
    finally:
        engine.dispose()


def check_drift(
    database_url: str,
    *,
    schema: str | None = None,
    settings: MigrationSettings | None = None,
    metadata: sa.MetaData | None = None,
) -> None:
    """Raise ``MigrationDriftError`` naming every difference between database and models.

    Run it on a database upgraded to head: a model changed without a revision (or a
    revision that does not build what the model says) fails here.
    """
    differences = compare_to_models(
        database_url, schema=schema, settings=settings, metadata=metadata
    )
    if differences:
        listing = "\n".join(f"  - {line}" for line in differences)
        raise MigrationDriftError(
            f"the database differs from the models (a revision is missing or wrong):\n{listing}",
            differences=differences,
        )
