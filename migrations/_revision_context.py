"""What a running revision asks about its target: ``migration_settings()``.

Revisions call it inside ``upgrade()``/``downgrade()``. Run standalone, the settings come
from our env (``config.attributes``); embedded in a service's own Alembic environment
that passes none, they are the defaults (search_path schema, table ``outbox``).
"""

from __future__ import annotations

from alembic import op

from postroom.migrations._settings import SETTINGS_ATTRIBUTE, MigrationSettings

__all__ = ["migration_settings"]


def migration_settings() -> MigrationSettings:
    """The ``MigrationSettings`` of the migration that is running now."""
    config = op.get_context().config
    attributes = config.attributes if config is not None else {}
    settings = attributes.get(SETTINGS_ATTRIBUTE)
    if isinstance(settings, MigrationSettings):
        return settings
    return MigrationSettings(schema=attributes.get("schema"))
