"""users: profiles built from auth's events and kept in step with later ones (email
change, deactivation, deletion); profile edits publish ``ProfileUpdated``."""

from pathlib import Path

from postroom.services.platform import ServiceMigrations
from postroom.services.users._app import Profile, create_app
from postroom.services.users._handlers import registry
from postroom.services.users._privacy import TOPICS
from postroom.services.users._tables import metadata, profile

__all__ = ["MIGRATIONS", "TOPICS", "Profile", "create_app", "metadata", "profile", "registry"]

MIGRATIONS = ServiceMigrations("users", Path(__file__).with_name("alembic"), metadata)
