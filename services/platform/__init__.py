"""What every reference service is built on: its own database and role, its own Alembic
history beside Postroom's, token verification and the permission check of every
endpoint, and a way to serve it locally."""

from postroom.services.platform._database import ServiceDatabase, provision_database
from postroom.services.platform._guard import authenticate, own_or, require
from postroom.services.platform._http import serve
from postroom.services.platform._lifespan import Db, Sessions, database_lifespan, sessions
from postroom.services.platform._migrations import ServiceMigrations, run_migrations_env
from postroom.services.platform._privacy import (
    PRIVACY_REQUESTS_TOPIC,
    delete_rows,
    export_rows,
    register_participant,
)
from postroom.services.platform._settings import ServiceSettings
from postroom.services.platform._text import StoredText
from postroom.services.platform._tokens import (
    ALGORITHM,
    ISSUER,
    MAX_TTL,
    InvalidTokenError,
    Principal,
    SigningKey,
    TokenIssuer,
    TokenVerifier,
)

__all__ = [
    "ALGORITHM",
    "ISSUER",
    "MAX_TTL",
    "PRIVACY_REQUESTS_TOPIC",
    "Db",
    "InvalidTokenError",
    "Principal",
    "ServiceDatabase",
    "ServiceMigrations",
    "ServiceSettings",
    "Sessions",
    "SigningKey",
    "StoredText",
    "TokenIssuer",
    "TokenVerifier",
    "authenticate",
    "database_lifespan",
    "delete_rows",
    "export_rows",
    "own_or",
    "provision_database",
    "register_participant",
    "require",
    "run_migrations_env",
    "serve",
    "sessions",
]
