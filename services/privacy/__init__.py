"""privacy: erase and export all of a user's data across services that each own theirs.

``DELETE /users/{id}/data`` starts an erasure saga (``ErasureRequested`` to every
participant, ``UserDataErased`` back; re-requests, a deadline, a partner reached over
HTTP behind a circuit breaker); when all confirmed, a signed, hash-chained completion
record is written and shipped to the offline erasure log. ``POST /users/{id}/export``
scatter-gathers ``UserDataExportPart``s into one zip, partial after its deadline. Both
sagas run on ``postroom.saga``, their state in privacy's own database.
"""

from pathlib import Path

from postroom.services.platform import ServiceMigrations
from postroom.services.privacy._app import Accepted, create_app
from postroom.services.privacy._archive import build_archive, read_archive
from postroom.services.privacy._breaker import CircuitBreaker
from postroom.services.privacy._erasure_log import (
    LOG_NAME,
    read_erasure_log,
    ship_erasure_log,
    verify_erasure_log,
)
from postroom.services.privacy._handlers import TOPICS, registry_for
from postroom.services.privacy._partner import PARTNER, PartnerEraser, RetryPolicy
from postroom.services.privacy._partner_stub import PartnerStub
from postroom.services.privacy._records import GENESIS as GENESIS_HASH
from postroom.services.privacy._records import chain_hash, load_chain, make_entry, verify_chain
from postroom.services.privacy._sagas import PrivacySagas
from postroom.services.privacy._scheduler import PrivacyScheduler
from postroom.services.privacy._settings import PARTICIPANTS, PrivacySettings
from postroom.services.privacy._tables import (
    erasure_record,
    export_archive,
    export_part,
    metadata,
    partner_erasure,
    saga,
)

__all__ = [
    "GENESIS_HASH",
    "LOG_NAME",
    "MIGRATIONS",
    "PARTICIPANTS",
    "PARTNER",
    "TOPICS",
    "Accepted",
    "CircuitBreaker",
    "PartnerEraser",
    "PartnerStub",
    "PrivacySagas",
    "PrivacyScheduler",
    "PrivacySettings",
    "RetryPolicy",
    "build_archive",
    "chain_hash",
    "create_app",
    "erasure_record",
    "export_archive",
    "export_part",
    "load_chain",
    "make_entry",
    "metadata",
    "partner_erasure",
    "read_archive",
    "read_erasure_log",
    "registry_for",
    "saga",
    "ship_erasure_log",
    "verify_chain",
    "verify_erasure_log",
]

MIGRATIONS = ServiceMigrations("privacy", Path(__file__).with_name("alembic"), metadata)
