"""authz: roles and permissions. New accounts get ``member`` (from auth's events),
deactivated ones lose everything; admins grant, revoke and define roles over HTTP. Every
change publishes the user's effective permissions (``RolesChanged``), which auth puts
into the tokens it issues, and which every service's endpoints check."""

from pathlib import Path

from postroom.services.authz._app import create_app
from postroom.services.authz._grants import DEFAULT_ROLE
from postroom.services.authz._handlers import registry
from postroom.services.authz._privacy import TOPICS
from postroom.services.authz._tables import metadata, role, role_assignment, subject
from postroom.services.platform import ServiceMigrations

__all__ = [
    "DEFAULT_ROLE",
    "MIGRATIONS",
    "TOPICS",
    "create_app",
    "metadata",
    "registry",
    "role",
    "role_assignment",
    "subject",
]

MIGRATIONS = ServiceMigrations("authz", Path(__file__).with_name("alembic"), metadata)
