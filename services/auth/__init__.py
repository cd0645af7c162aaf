"""auth: accounts (argon2 passwords), logins issuing short-lived EdDSA JWTs, service
tokens, password and email changes, deactivation and deletion. Every change commits with
its event (``UserRegistered`` with ``action``, ``PasswordChanged``, ``UserDeactivated``);
it keeps the permissions authz grants (``RolesChanged``) to put them into tokens."""

from pathlib import Path

from postroom.services.auth._app import create_app
from postroom.services.auth._handlers import registry
from postroom.services.auth._privacy import TOPICS
from postroom.services.auth._settings import SERVICES, AuthSettings, ServiceClient
from postroom.services.auth._tables import account, account_permissions, metadata
from postroom.services.platform import ServiceMigrations

__all__ = [
    "MIGRATIONS",
    "SERVICES",
    "TOPICS",
    "AuthSettings",
    "ServiceClient",
    "account",
    "account_permissions",
    "create_app",
    "metadata",
    "registry",
]

MIGRATIONS = ServiceMigrations("auth", Path(__file__).with_name("alembic"), metadata)
