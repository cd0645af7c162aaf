"""watch-history: what each user watched, appended (never updated in place), published as
``TitleWatched``; a local read model of users (status, display name) from auth's and
users' events, so no request calls another service. Old watches expire through
``WatchExpired`` events (``watch_retention``, ``retention_schedule``)."""

from pathlib import Path

from postroom.services.platform import ServiceMigrations
from postroom.services.watch_history._app import History, Watch, create_app
from postroom.services.watch_history._handlers import registry
from postroom.services.watch_history._privacy import TOPICS
from postroom.services.watch_history._retention import (
    expire_watches,
    retention_schedule,
    watch_retention,
)
from postroom.services.watch_history._tables import (
    DeletionReason,
    allow_deletion,
    known_user,
    metadata,
    watch,
)

__all__ = [
    "MIGRATIONS",
    "TOPICS",
    "DeletionReason",
    "History",
    "Watch",
    "allow_deletion",
    "create_app",
    "expire_watches",
    "known_user",
    "metadata",
    "registry",
    "retention_schedule",
    "watch",
    "watch_retention",
]

MIGRATIONS = ServiceMigrations("watch_history", Path(__file__).with_name("alembic"), metadata)
