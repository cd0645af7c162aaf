"""The models of every table Postroom's revisions create, for the drift check.

``framework_metadata`` builds them from the same table functions the runtime uses
(``outbox.outbox_table``, ``outbox.retained_outbox_table``, ``inbox.inbox_table``,
``connectors.heartbeat_table``), so a column added to a model without a
revision shows up as drift (see ``migrations.check_drift``).
"""

from __future__ import annotations

import sqlalchemy as sa

from postroom.connectors import heartbeat_table
from postroom.inbox import inbox_table
from postroom.migrations._settings import MigrationSettings
from postroom.outbox import outbox_table, retained_outbox_table

__all__ = ["framework_metadata"]


def framework_metadata(
    schema: str | None = None, *, settings: MigrationSettings | None = None
) -> sa.MetaData:
    """A fresh ``MetaData`` with Postroom's tables as the code defines them.

    ``settings`` (schema, outbox name, extra header columns) default to
    ``MigrationSettings(schema=schema)``; give one or the other, not both.
    """
    if settings is None:
        settings = MigrationSettings(schema=schema)
    elif schema is not None and schema != settings.schema:
        from postroom.errors import MigrationSettingsError

        raise MigrationSettingsError(
            f"schema={schema!r} disagrees with settings.schema={settings.schema!r}"
        )
    metadata = sa.MetaData()
    outbox = outbox_table(metadata, name=settings.outbox_table, schema=settings.schema)
    for column in settings.extra_header_columns:
        outbox.append_column(sa.Column(column, sa.Text, nullable=True))
    inbox_table(metadata, schema=settings.schema)
    heartbeat_table(metadata, schema=settings.schema)
    retained_outbox_table(metadata, schema=settings.schema)
    return metadata
