"""Run Postroom's migrations against a database URL, in a chosen schema.

The same functions back ``postroom migrate ...`` and the pytest plugin. Every entry point
validates its arguments before touching a database.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError

from postroom.database_url import async_url, parse_database_url, sync_url
from postroom.errors import (
    DatabaseUrlError,
    MigrationError,
    MigrationLockTimeoutError,
    MigrationSettingsError,
)
from postroom.migrations._settings import SETTINGS_ATTRIBUTE, MigrationSettings

__all__ = [
    "alembic_config",
    "current",
    "downgrade",
    "mapped_errors",
    "resolve_settings",
    "revisions",
    "sync_url",
    "upgrade",
]

_HERE = Path(__file__).parent
_ASYNC_DRIVERS = {"asyncpg", "psycopg_async"}


def resolve_settings(
    schema: str | None = None, settings: MigrationSettings | None = None
) -> MigrationSettings:
    """``settings``, or ``MigrationSettings(schema=schema)``; both given must agree."""
    if settings is None:
        return MigrationSettings(schema=schema)
    if not isinstance(settings, MigrationSettings):
        raise MigrationSettingsError(f"settings must be MigrationSettings, got {settings!r}")
    if schema is not None and schema != settings.schema:
        raise MigrationSettingsError(
            f"schema={schema!r} disagrees with settings.schema={settings.schema!r}"
        )
    return settings


def _checked_url(database_url: object) -> str:
    """``database_url`` with the driver the migrations will use: asyncpg for an async URL
    (the env then runs on an async engine), psycopg 3 for every other accepted form."""
    try:
        url = parse_database_url(database_url)
    except DatabaseUrlError as exc:
        raise MigrationSettingsError(f"database_url: {exc}") from exc
    if url.get_driver_name() in _ASYNC_DRIVERS:
        return async_url(url)
    return sync_url(url)


def _checked_revision(revision: object) -> str:
    if not isinstance(revision, str) or not revision.strip():
        raise MigrationSettingsError(f"revision must be a non-empty string, got {revision!r}")
    return revision


_LOCK_NOT_AVAILABLE = "55P03"


@contextmanager
def mapped_errors(action: str) -> Iterator[None]:
    """Map driver and Alembic errors into the ``MigrationError`` tree, once, here."""
    try:
        yield
    except CommandError as exc:
        raise MigrationSettingsError(f"{action}: {exc}") from exc
    except sa.exc.DBAPIError as exc:
        state = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        if state == _LOCK_NOT_AVAILABLE:
            raise MigrationLockTimeoutError(
                f"{action}: a lock was not granted within lock_timeout (another transaction "
                f"holds it); the revision was rolled back, retry later: {exc.orig}"
            ) from exc
        if exc.connection_invalidated or isinstance(
            exc, sa.exc.OperationalError | sa.exc.InterfaceError
        ):
            raise MigrationError(
                f"{action}: the database is not reachable: {exc.orig}", retriable=True
            ) from exc
        raise MigrationError(f"{action}: {exc.orig}") from exc


def alembic_config(
    database_url: str, *, schema: str | None = None, settings: MigrationSettings | None = None
) -> Config:
    """An Alembic ``Config`` for our revisions, targeting ``settings`` (or just ``schema``).

    The env reads the URL from ``sqlalchemy.url`` (an async driver such as
    ``postgresql+asyncpg`` runs the migrations on an async engine) and the settings from
    ``config.attributes``.
    """
    resolved = resolve_settings(schema, settings)
    url = _checked_url(database_url)
    config = Config()
    config.set_main_option("script_location", str(_HERE))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes[SETTINGS_ATTRIBUTE] = resolved
    # Read by revisions written before MigrationSettings existed.
    config.attributes["schema"] = resolved.schema
    return config


def upgrade(
    database_url: str,
    *,
    schema: str | None = None,
    revision: str = "head",
    settings: MigrationSettings | None = None,
    capture: bool = True,
) -> None:
    """Upgrade Postroom's tables in ``schema`` (or ``settings.schema``) to ``revision``.

    Then, once the outbox settings are recorded (revision 0005), put capture in place:
    the publication and the replication slot the relay adopts (``ensure_capture``), so
    every event committed from now on is relayed, whenever a relay first starts.
    ``capture=False`` leaves the slot out (databases no relay will ever read, e.g. tests
    on a server without ``wal_level=logical``); ``publish()`` then refuses by default.
    """
    config = alembic_config(database_url, schema=schema, settings=settings)
    target = _checked_revision(revision)
    with mapped_errors(f"upgrade to {target}"):
        command.upgrade(config, target)
    if capture:
        from postroom.migrations._capture import ensure_capture, has_record

        resolved = resolve_settings(schema, settings)
        if has_record(database_url, resolved):
            ensure_capture(database_url, settings=resolved)


def downgrade(
    database_url: str,
    *,
    schema: str | None = None,
    revision: str = "base",
    settings: MigrationSettings | None = None,
) -> None:
    """Downgrade Postroom's tables in ``schema`` (or ``settings.schema``) to ``revision``."""
    config = alembic_config(database_url, schema=schema, settings=settings)
    target = _checked_revision(revision)
    with mapped_errors(f"downgrade to {target}"):
        command.downgrade(config, target)


def current(
    database_url: str, *, schema: str | None = None, settings: MigrationSettings | None = None
) -> str | None:
    """The revision the database is at, or None before the first upgrade."""
    resolved = resolve_settings(schema, settings)
    engine = sa.create_engine(sync_url(_checked_url(database_url)))
    try:
        with mapped_errors("current"), engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={
                    "version_table": resolved.version_table,
                    "version_table_schema": resolved.schema,
                },
            )
            return context.get_current_revision()
    finally:
        engine.dispose()


def revisions() -> list[str]:
    """Our revision ids, oldest first."""
    script = ScriptDirectory(str(_HERE))
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]
