"""watch-history's Alembic environment (its own history; Postroom's runs beside it)."""

from postroom.services.platform import run_migrations_env

run_migrations_env()
