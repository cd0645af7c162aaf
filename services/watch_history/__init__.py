"""watch-history: what each user watched, appended (never updated in place), published as
``TitleWatched``; a local read model of users (status, display name) from auth's and
users' events, so no request calls another service."""

from pathlib import Path

from postroom.services.platform import ServiceMigrations
from postroom.services.watch_history._app import History, Watch, create_app
from postroom.services.watch_history._handlers import registry
from postroom.services.watch_history._privacy import TOPICS
from postroom.services.watch_history._tables import known_user, metadata, watch

__all__ = [
    "MIGRATIONS",
    "TOPICS",
    "History",
    "Watch",
    "create_app",
    "known_user",
    "metadata",
    "registry",
    "watch",
]

MIGRATIONS = ServiceMigrations("watch_history", Path(__file__).with_name("alembic"), metadata)
