"""Alembic migrations for Postroom's own tables (outbox, inbox), per service schema.

Also: the drift check between models and revisions, and (in ``migrations.pytest_plugin``)
the pytest plugin services test their own migrations with.
"""

from migrations._api import alembic_config, current, downgrade, revisions, sync_url, upgrade
from migrations._data import assert_rows_survive
from migrations._drift import check_drift, compare_to_models
from migrations._errors import (
    MigrationDriftError,
    MigrationError,
    MigrationLockTimeoutError,
    MigrationSettingsError,
)
from migrations._metadata import framework_metadata
from migrations._migrator import Migrator
from migrations._revision_context import migration_settings
from migrations._settings import SETTINGS_ATTRIBUTE, VERSION_TABLE, MigrationSettings
from migrations._throwaway import PostgresServer, ThrowawayDatabase

__all__ = [
    "SETTINGS_ATTRIBUTE",
    "VERSION_TABLE",
    "MigrationDriftError",
    "MigrationError",
    "MigrationLockTimeoutError",
    "MigrationSettings",
    "MigrationSettingsError",
    "Migrator",
    "PostgresServer",
    "ThrowawayDatabase",
    "alembic_config",
    "assert_rows_survive",
    "check_drift",
    "compare_to_models",
    "current",
    "downgrade",
    "framework_metadata",
    "migration_settings",
    "revisions",
    "sync_url",
    "upgrade",
]
