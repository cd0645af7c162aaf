"""Alembic migrations for Postroom's own tables (outbox, inbox), per service schema, and
the capture that goes with them: the recorded outbox settings, the publication and the
replication slot (``ensure_capture``).

Also: the drift check between models and revisions, and the helpers of the pytest plugin
(``postroom.migrations.pytest_plugin``) services test their own migrations with.

Names are imported on first use: the pytest plugin is loaded into every pytest run of a
project that installs Postroom, and must cost nothing there until it is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from postroom.errors import (
        CaptureSetupError,
        MigrationDriftError,
        MigrationError,
        MigrationLockTimeoutError,
        MigrationSettingsError,
    )
    from postroom.migrations._api import (
        alembic_config,
        current,
        downgrade,
        mapped_errors,
        revisions,
        sync_url,
        upgrade,
    )
    from postroom.migrations._capture import (
        CaptureReport,
        ensure_capture,
        has_record,
        publication_ddl,
    )
    from postroom.migrations._data import assert_rows_survive
    from postroom.migrations._drift import check_drift, compare_to_models
    from postroom.migrations._metadata import framework_metadata
    from postroom.migrations._migrator import Migrator
    from postroom.migrations._revision_context import migration_settings
    from postroom.migrations._roles import grant_relay_role, relay_role_statements
    from postroom.migrations._settings import SETTINGS_ATTRIBUTE, VERSION_TABLE, MigrationSettings
    from postroom.migrations._throwaway import PostgresServer, ThrowawayDatabase

__all__ = [
    "SETTINGS_ATTRIBUTE",
    "VERSION_TABLE",
    "CaptureReport",
    "CaptureSetupError",
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
    "ensure_capture",
    "framework_metadata",
    "grant_relay_role",
    "has_record",
    "mapped_errors",
    "migration_settings",
    "publication_ddl",
    "relay_role_statements",
    "revisions",
    "sync_url",
    "upgrade",
]

_HOME = {
    "SETTINGS_ATTRIBUTE": "_settings",
    "VERSION_TABLE": "_settings",
    "CaptureReport": "_capture",
    "CaptureSetupError": "postroom.errors",
    "MigrationDriftError": "postroom.errors",
    "MigrationError": "postroom.errors",
    "MigrationLockTimeoutError": "postroom.errors",
    "MigrationSettings": "_settings",
    "MigrationSettingsError": "postroom.errors",
    "Migrator": "_migrator",
    "PostgresServer": "_throwaway",
    "ThrowawayDatabase": "_throwaway",
    "alembic_config": "_api",
    "assert_rows_survive": "_data",
    "check_drift": "_drift",
    "compare_to_models": "_drift",
    "current": "_api",
    "downgrade": "_api",
    "ensure_capture": "_capture",
    "publication_ddl": "_capture",
    "has_record": "_capture",
    "framework_metadata": "_metadata",
    "grant_relay_role": "_roles",
    "relay_role_statements": "_roles",
    "mapped_errors": "_api",
    "migration_settings": "_revision_context",
    "revisions": "_api",
    "sync_url": "_api",
    "upgrade": "_api",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'postroom.migrations' has no attribute {name!r}")
    module = home if home.startswith("postroom.") else f"postroom.migrations.{home}"
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
