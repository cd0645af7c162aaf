"""The relay's errors, each naming what to do about it.

They extend the tree of ``outbox._errors``::

    PostroomError
    ├── ConnectorConfigError (ValueError)       a setting is invalid; names the key
    │   └── ConnectorValidationError            Debezium's own validate() refused keys
    ├── KafkaConnectError                       the Kafka Connect REST API said no
    └── RelayError
        ├── WalLevelError                       wal_level is not logical
        ├── MissingPrivilegeError               the connector's role can't stream/read
        ├── StaleOffsetsError                   offsets belong to another database/slot
        ├── SlotInUseError                      another consumer holds the slot (retriable)
        ├── UnconsumedWalError                  a slot to drop still holds unread WAL
        └── BrokerUnavailableError              (outbox._errors; retriable)
"""

from __future__ import annotations

from collections.abc import Mapping

from outbox._errors import PostroomError, RelayError

__all__ = [
    "ConnectorConfigError",
    "ConnectorValidationError",
    "KafkaConnectError",
    "MissingPrivilegeError",
    "SlotInUseError",
    "StaleOffsetsError",
    "UnconsumedWalError",
    "WalLevelError",
]


class ConnectorConfigError(PostroomError, ValueError):
    """A connector setting is invalid; the message names the setting."""


class ConnectorValidationError(ConnectorConfigError):
    """Debezium's own ``validate()`` refused the rendered configuration.

    ``errors`` maps each refused option (as Debezium names it) to its messages.
    """

    def __init__(self, connector: str, errors: Mapping[str, list[str]]) -> None:
        self.errors = dict(errors)
        lines = "; ".join(f"{key}: {' '.join(msgs)}" for key, msgs in sorted(self.errors.items()))
        super().__init__(f"connector {connector!r} is invalid: {lines}")


class KafkaConnectError(PostroomError):
    """A Kafka Connect REST call failed; ``status`` is the HTTP status (0: unreachable)."""

    def __init__(self, message: str, *, status: int, retriable: bool | None = None) -> None:
        super().__init__(message, retriable=retriable)
        self.status = status


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
