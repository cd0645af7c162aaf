"""users: profiles built from auth's events and kept in step with later ones (email
change, deactivation, deletion); profile edits publish ``ProfileUpdated``, the name
sealed with the user's data key, which users owns (``shred_user`` destroys it:
crypto-shredding)."""

from pathlib import Path

from postroom.services.platform import ServiceMigrations
from postroom.services.users._app import Profile, create_app
from postroom.services.users._handlers import registry
from postroom.services.users._privacy import TOPICS
from postroom.services.users._shredding import KEYS, open_field, profile_updated, shred_user
from postroom.services.users._tables import metadata, profile, subject_key

__all__ = [
    "KEYS",
    "MIGRATIONS",
    "TOPICS",
    "Profile",
    "create_app",
    "metadata",
    "open_field",
    "profile",
    "profile_updated",
    "registry",
    "shred_user",
    "subject_key",
]

MIGRATIONS = ServiceMigrations("users", Path(__file__).with_name("alembic"), metadata)
