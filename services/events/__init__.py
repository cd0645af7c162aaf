"""Event contracts: every event the reference services publish, declared once.

Each event type is a pydantic model with its schema version (``EventContract``),
registered in ``catalog``; ``publish_event`` validates a payload against it before the
outbox write; ``asyncapi_document`` describes every topic and message;
``breaking_changes`` compares the contracts with a committed snapshot.
"""

from postroom.services.events._asyncapi import asyncapi_document
from postroom.services.events._auth import PasswordChanged, UserDeactivated, UserRegistered
from postroom.services.events._authz import RolesChanged
from postroom.services.events._compat import (
    DEFAULT_SNAPSHOT,
    breaking_changes,
    load_snapshot,
    snapshot,
    write_snapshot,
)
from postroom.services.events._contract import Catalog, EventContract, Upcaster, catalog
from postroom.services.events._privacy import (
    PRIVACY_REPLY_TYPE,
    PRIVACY_REQUEST_TYPE,
    ErasureRequested,
    UserDataErased,
    UserDataExportPart,
    UserDataExportRequested,
)
from postroom.services.events._publish import publish_event, sign_events_with
from postroom.services.events._users import ProfileUpdated, ProfileUpdatedV1
from postroom.services.events._watch_history import TitleWatched, WatchExpired

__all__ = [
    "DEFAULT_SNAPSHOT",
    "PRIVACY_REPLY_TYPE",
    "PRIVACY_REQUEST_TYPE",
    "Catalog",
    "ErasureRequested",
    "EventContract",
    "PasswordChanged",
    "ProfileUpdated",
    "ProfileUpdatedV1",
    "RolesChanged",
    "TitleWatched",
    "Upcaster",
    "UserDataErased",
    "UserDataExportPart",
    "UserDataExportRequested",
    "UserDeactivated",
    "UserRegistered",
    "WatchExpired",
    "asyncapi_document",
    "breaking_changes",
    "catalog",
    "load_snapshot",
    "publish_event",
    "sign_events_with",
    "snapshot",
    "write_snapshot",
]
