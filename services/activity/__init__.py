"""activity: a CQRS read model across services. auth's, users' and watch-history's
events are folded into one row per user (status, display name, what and how much they
watched), so the activity screen is one query on one table. Rebuildable from scratch:
``forget_view`` then ``postroom replay group --group activity --to-earliest``."""

from pathlib import Path

from postroom.services.activity._app import Activity, create_app
from postroom.services.activity._handlers import CONSUMER, registry
from postroom.services.activity._privacy import TOPICS
from postroom.services.activity._rebuild import forget_view
from postroom.services.activity._tables import metadata, user_activity
from postroom.services.platform import ServiceMigrations

__all__ = [
    "CONSUMER",
    "MIGRATIONS",
    "TOPICS",
    "Activity",
    "create_app",
    "forget_view",
    "metadata",
    "registry",
    "user_activity",
]

MIGRATIONS = ServiceMigrations("activity", Path(__file__).with_name("alembic"), metadata)
