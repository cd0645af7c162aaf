"""Alembic migrations for Postroom's own tables (outbox, inbox), per service schema."""

from migrations._api import alembic_config, current, downgrade, upgrade

__all__ = ["alembic_config", "current", "downgrade", "upgrade"]
