"""privacy's Alembic environment (its own history; Postroom's revisions run beside it)."""

from postroom.services.platform import run_migrations_env

run_migrations_env()
