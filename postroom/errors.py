"""The one exception tree of Postroom, drawn once, here.

Every error Postroom raises derives from ``PostroomError``. Driver and broker errors are
mapped into this tree once, at the boundary where they happen, and each carries a
``retriable`` flag: ``True`` when trying the same thing again later may succeed. Each
package exports its own base (``outbox.OutboxError``, ``inbox.InboxError``,
``connectors.RelayError``, ``migrations.MigrationError``, ``devstack.StackError``).
A test reads this drawing and checks it against the classes and their flags.

    PostroomError
    ├── ConfigurationError                 a setting or argument is invalid; names it (ValueError)
    │   ├── OutboxConfigError              bad Outbox(...) mode/table, retention arguments
    │   ├── InboxConfigError               bad InboxConfig(...) or retry policy
    │   ├── ConnectorConfigError           bad ConnectorConfig(...) setting
    │   │   └── ConnectorValidationError   Debezium/Connect validate() refused keys; .errors
    │   ├── MigrationSettingsError         bad migration settings or arguments; nothing ran
    │   ├── DatabaseUrlError               a database URL is malformed or its driver is missing
    │   └── SagaConfigError                a saga definition or argument is invalid
    ├── DatabaseError                      PostgreSQL could not do what was asked
    │   ├── DatabaseUnavailableError       nothing answers at the URL, or it refused us [retriable]
    │   └── MissingTableError              a table Postroom needs is missing; names the command
    ├── BrokerUnavailableError             no Kafka broker answered in time [retriable]
    │   └── BrokerAuthenticationError      the brokers refused our TLS handshake or SASL login
    ├── OutboxError                        the write side refused an event
    │   ├── InvalidEventError              bad input to Event / publish (ValueError)
    │   │   └── PayloadTooLargeError       the serialised payload is above the limit
    │   ├── CaptureMissingError            no slot/publication captures this outbox; names the fix
    │   └── OutboxMismatchError            Outbox(mode/table/schema) disagrees with the database
    ├── StackError                         a local development server failed to start or stop
    ├── KafkaConnectError                  the Connect REST API said no; .status (409/5xx retriable)
    ├── TopicNotFoundError                 a topic to describe does not exist on the cluster
    ├── RelayError                         the change-data-capture relay failed
    │   ├── WalLevelError                  wal_level is not logical
    │   ├── MissingPrivilegeError          no REPLICATION / table privilege; says which GRANT
    │   ├── StaleOffsetsError              offsets from another database/slot; never reset
    │   ├── SlotInUseError                 another consumer holds the slot [retriable]
    │   ├── UnconsumedWalError             a slot to drop still holds unread WAL
    │   └── ModeMismatchError              a relay's mode/table/slot disagrees with the database
    ├── InboxError                         the consuming side failed
    │   ├── UndecodableMessageError        a record that can never be handled
    │   │   ├── MalformedMessageError      bad JSON or headers; dead-letter reason "malformed"
    │   │   ├── OversizedMessageError      too big; dead-letter reason "oversized"
    │   │   └── BadSignatureError          signature fails; dead-letter reason "bad-signature"
    │   │       └── MissingSignatureError  unsigned; dead-letter reason "missing-signature"
    │   ├── UnknownEventTypeError          dead-letter reason "unknown-event-type"
    │   ├── UnknownSchemaVersionError      dead-letter reason "unknown-schema-version"
    │   └── DeadLetterNotFoundError        postroom dlq show/replay found nothing
    ├── PrivacyError                       a personal-data operation was refused
    │   ├── SubjectShreddedError           the subject's key was destroyed: nothing opens
    │   └── SealedValueError               a sealed value is malformed, tampered or foreign
    ├── SagaError                          a saga (process manager) could not do what was asked
    │   └── SagaNotFoundError              no saga with that id (postroom saga show)
    └── MigrationError                     a migration could not run as asked
        ├── MigrationLockTimeoutError      a DDL hit lock_timeout; nothing applied [retriable]
        ├── MigrationDriftError            models and revisions disagree; .differences
        └── CaptureSetupError              tables migrated, slot/publication not made (why, fix)
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "BadSignatureError",
    "BrokerAuthenticationError",
    "BrokerUnavailableError",
    "CaptureMissingError",
    "CaptureSetupError",
    "ConfigurationError",
    "ConnectorConfigError",
    "ConnectorValidationError",
    "DatabaseError",
    "DatabaseUnavailableError",
    "DatabaseUrlError",
    "DeadLetterNotFoundError",
    "InboxConfigError",
    "InboxError",
    "InvalidEventError",
    "KafkaConnectError",
    "MalformedMessageError",
    "MigrationDriftError",
    "MigrationError",
    "MigrationLockTimeoutError",
    "MigrationSettingsError",
    "MissingPrivilegeError",
    "MissingSignatureError",
    "MissingTableError",
    "ModeMismatchError",
    "OutboxConfigError",
    "OutboxError",
    "OutboxMismatchError",
    "OversizedMessageError",
    "PayloadTooLargeError",
    "PostroomError",
    "PrivacyError",
    "RelayError",
    "SagaConfigError",
    "SagaError",
    "SagaNotFoundError",
    "SealedValueError",
    "SlotInUseError",
    "StackError",
    "StaleOffsetsError",
    "SubjectShreddedError",
    "TopicNotFoundError",
    "UnconsumedWalError",
    "UndecodableMessageError",
    "UnknownEventTypeError",
    "UnknownSchemaVersionError",
    "WalLevelError",
]


class PostroomError(Exception):
    """Base of every error Postroom raises."""

    retriable: bool = False

    def __init__(self, message: str, *, retriable: bool | None = None) -> None:
        super().__init__(message)
        if retriable is not None:
            self.retriable = retriable


# -- configuration ---------------------------------------------------------------------


class ConfigurationError(PostroomError, ValueError):
    """A setting or argument is invalid; the message names it. Nothing was done."""


class OutboxConfigError(ConfigurationError):
    """An ``Outbox(...)`` setting or a retained-outbox maintenance argument is invalid."""


class InboxConfigError(ConfigurationError):
    """An ``InboxConfig(...)`` or ``RetryPolicy(...)`` setting is invalid."""


class ConnectorConfigError(ConfigurationError):
    """A connector setting is invalid; the message names the setting."""


class ConnectorValidationError(ConnectorConfigError):
    """Debezium's (or Kafka Connect's) own validation refused the rendered configuration.

    ``errors`` maps each refused option (as Debezium names it) to its messages.
    """

    def __init__(self, connector: str, errors: Mapping[str, list[str]]) -> None:
        self.errors = dict(errors)
        lines = "; ".join(f"{key}: {' '.join(msgs)}" for key, msgs in sorted(self.errors.items()))
        super().__init__(f"connector {connector!r} is invalid: {lines}")


class MigrationSettingsError(ConfigurationError):
    """A migration setting or argument is invalid; the message names it. Nothing ran."""


class DatabaseUrlError(ConfigurationError):
    """A database URL is malformed, not PostgreSQL, or names a driver that is not installed;
    the message names the accepted forms or the package to install."""


class SagaConfigError(ConfigurationError):
    """A saga definition (steps, participants, deadlines) or argument is invalid."""


# -- the database and the broker -------------------------------------------------------


class DatabaseError(PostroomError):
    """PostgreSQL could not do what was asked; the message says where and why."""


class DatabaseUnavailableError(DatabaseError):
    """Nothing answers at the URL's host and port, or the server refused the connection
    (unknown database, authentication)."""

    retriable = True


class MissingTableError(DatabaseError):
    """A table Postroom needs does not exist; the message names the command that creates it."""


class BrokerUnavailableError(PostroomError):
    """No Kafka broker answered at the bootstrap servers, or none acknowledged in time."""

    retriable = True


class BrokerAuthenticationError(BrokerUnavailableError):
    """The brokers answered but refused the client: a wrong SASL user or password, or a
    certificate the client does not trust. Retrying the same settings cannot help."""

    retriable = False


# -- the write side --------------------------------------------------------------------


class OutboxError(PostroomError):
    """The write side refused an event; nothing was written."""


class InvalidEventError(OutboxError, ValueError):
    """An event that can not be published as given; nothing was written."""


class PayloadTooLargeError(InvalidEventError):
    """The serialised payload exceeds the configured maximum size."""


class CaptureMissingError(OutboxError):
    """No replication slot or publication captures this outbox: an event written now
    would never reach Kafka. The message names the command that puts capture in place."""


class OutboxMismatchError(OutboxError):
    """``Outbox(mode=..., table=..., schema=...)`` disagrees with the outbox settings the
    database recorded when it was migrated; the message names both values."""


# -- local servers and Kafka Connect ---------------------------------------------------


class StackError(PostroomError):
    """A local development server (PostgreSQL, Kafka, Connect) failed to start or stop."""


class KafkaConnectError(PostroomError):
    """A Kafka Connect REST call failed; ``status`` is the HTTP status (0: unreachable)."""

    def __init__(self, message: str, *, status: int, retriable: bool | None = None) -> None:
        super().__init__(message, retriable=retriable)
        self.status = status


class TopicNotFoundError(PostroomError):
    """A topic to describe does not exist on the cluster; the message names it."""


# -- the relay -------------------------------------------------------------------------


class RelayError(PostroomError):
    """The change-data-capture relay failed."""


class WalLevelError(RelayError):
    """The database does not run with ``wal_level=logical``."""


class MissingPrivilegeError(RelayError):
    """The connector's database role lacks REPLICATION or a table privilege."""


class StaleOffsetsError(RelayError):
    """Stored source offsets point past what this database's slot can deliver."""


class SlotInUseError(RelayError):
    """Another replication client holds the connector's slot."""

    retriable = True


class UnconsumedWalError(RelayError):
    """A slot about to be dropped still holds WAL its relay has not confirmed."""


class ModeMismatchError(RelayError):
    """A relay's connector is configured differently from the outbox settings the database
    recorded (mode, schema, table, header columns, slot, publication); names both values."""


# -- the read side ---------------------------------------------------------------------


class InboxError(PostroomError):
    """The consuming side failed."""


class UndecodableMessageError(InboxError):
    """A Kafka record that can never be decoded into an inbox message."""

    reason = "undecodable"


class MalformedMessageError(UndecodableMessageError):
    """Bad JSON, a missing or invalid ``id``/``eventType`` header, a header not UTF-8."""

    reason = "malformed"


class OversizedMessageError(UndecodableMessageError):
    """A record larger than the consumer's ``max_message_bytes``."""

    reason = "oversized"


class BadSignatureError(UndecodableMessageError):
    """A signed source's record whose signature does not verify against any trusted key
    of its topic (forged, altered, or signed by another service)."""

    reason = "bad-signature"


class MissingSignatureError(BadSignatureError):
    """A record on a topic whose consumers require signatures carries none."""

    reason = "missing-signature"


class UnknownEventTypeError(InboxError):
    """No handler for the event type, and the type is not declared ignored."""

    reason = "unknown-event-type"


class UnknownSchemaVersionError(InboxError):
    """A schema version newer than the handler's, or one no upcaster chain reaches."""

    reason = "unknown-schema-version"


class DeadLetterNotFoundError(InboxError):
    """No dead letter at the given topic/partition/offset."""


# -- personal data ---------------------------------------------------------------------


class PrivacyError(PostroomError):
    """A personal-data operation (sealing, opening, shredding) was refused."""


class SubjectShreddedError(PrivacyError):
    """The data subject's key was destroyed (crypto-shredded): nothing sealed for them can
    be opened again, and nothing new is sealed for them."""


class SealedValueError(PrivacyError):
    """A sealed value is not in the sealed format, was altered, or was sealed for another
    subject or field (AES-GCM authentication failed)."""


# -- migrations ------------------------------------------------------------------------


class MigrationError(PostroomError):
    """A migration could not run as asked."""


class MigrationLockTimeoutError(MigrationError):
    """A revision could not get its lock within ``lock_timeout``; nothing of it was applied."""

    retriable = True


class MigrationDriftError(MigrationError):
    """The tables in the database differ from the models; ``differences`` lists how."""

    def __init__(self, message: str, *, differences: list[str]) -> None:
        super().__init__(message)
        self.differences = differences


class CaptureSetupError(MigrationError):
    """Postroom's tables are migrated, but the replication slot or publication that captures
    the outbox could not be created (``wal_level``, a long transaction, a name taken).

    Retriable when it only timed out waiting for other transactions to finish.
    """


# -- sagas -----------------------------------------------------------------------------


class SagaError(PostroomError):
    """A saga (process manager) could not do what was asked."""


class SagaNotFoundError(SagaError):
    """No saga with that id in this database."""
