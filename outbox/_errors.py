"""The one exception tree of Postroom.

Every error Postroom raises derives from ``PostroomError``. Driver and broker errors
are mapped into this tree once, at the boundary where they happen, and each carries a
``retriable`` flag: ``True`` when trying the same thing again later may succeed.

    PostroomError
    ├── InvalidEventError        (bad input to ``Event`` / ``publish``; never retriable)
    │   └── PayloadTooLargeError
    ├── StackError               (the embedded PostgreSQL / broker could not start or stop)
    ├── ConnectorConfigError (ValueError)   (connectors/_errors.py; names the setting)
    │   └── ConnectorValidationError        (Debezium's validate() refused keys; .errors)
    ├── KafkaConnectError        (Connect REST; .status; 409/5xx/unreachable retriable)
    ├── RelayError               (the Debezium relay failed; see ``retriable``)
    │   ├── BrokerUnavailableError   (retriable)
    │   ├── WalLevelError            (wal_level is not logical)
    │   ├── MissingPrivilegeError    (no REPLICATION / table privilege; says which GRANT)
    │   ├── StaleOffsetsError        (offsets from another database/slot; never reset)
    │   ├── SlotInUseError           (slot held by another consumer; retriable)
    │   └── UnconsumedWalError       (slot to drop still holds unread WAL)
    ├── InboxError               (the consuming side; inbox/_errors.py)
    │   ├── UndecodableMessageError  (a record that can never be handled)
    │   │   ├── MalformedMessageError    (bad JSON/headers; DLQ reason "malformed")
    │   │   └── OversizedMessageError    (too big; DLQ reason "oversized")
    │   ├── UnknownEventTypeError        (DLQ reason "unknown-event-type")
    │   ├── UnknownSchemaVersionError    (DLQ reason "unknown-schema-version")
    │   └── DeadLetterNotFoundError      (postroom dlq show/replay found nothing)
    └── MigrationError           (migrations/_errors.py; see ``retriable``)
        ├── MigrationSettingsError   (bad settings, arguments or revision; nothing was run)
        ├── MigrationLockTimeoutError    (a DDL hit lock_timeout; retriable)
        └── MigrationDriftError      (models and revisions disagree; ``differences``)

Classes of the other packages live next to their code (``connectors``, ``inbox``,
``migrations``) and derive from these.
"""

from __future__ import annotations

__all__ = [
    "BrokerUnavailableError",
    "InboxError",
    "InvalidEventError",
    "PayloadTooLargeError",
    "PostroomError",
    "RelayError",
    "StackError",
    "UndecodableMessageError",
]


class PostroomError(Exception):
    """Base of every error Postroom raises."""

    retriable: bool = False

    def __init__(self, message: str, *, retriable: bool | None = None) -> None:
        super().__init__(message)
        if retriable is not None:
            self.retriable = retriable


class InvalidEventError(PostroomError, ValueError):
    """An event that can not be published as given; nothing was written."""


class PayloadTooLargeError(InvalidEventError):
    """The serialised payload exceeds the configured maximum size."""


class StackError(PostroomError):
    """An embedded server (PostgreSQL, broker) failed to start or stop."""


class RelayError(PostroomError):
    """The change-data-capture relay failed."""


class BrokerUnavailableError(RelayError):
    """The Kafka broker did not acknowledge records in time."""

    retriable = True


class InboxError(PostroomError):
    """The consuming side failed."""


class UndecodableMessageError(InboxError):
    """A Kafka record that can never be decoded into an inbox message."""
