"""The relay's pre-flight checks, without creating anything.

``check_replication`` runs what ``ensure_replication`` checks before it creates the
publication and slot (``wal_level``, the outbox tables, the connector role's
privileges) and stops there: ``postroom connector render --check-connection`` uses it,
so a database the relay would refuse is refused with the same words before a connector
is handed to Kafka Connect.
"""

from __future__ import annotations

import sqlalchemy as sa

from postroom.connectors._connector_config import ConnectorConfig
from postroom.connectors.relay._replication import (
    _require_logical_wal,
    _require_privileges,
    _require_tables,
)
from postroom.database_errors import database_errors
from postroom.database_url import sync_url

__all__ = ["check_replication"]


def check_replication(config: ConnectorConfig, database_url: str) -> None:
    """Raise what the relay would raise at start (``WalLevelError``, ...), creating nothing."""
    url = sync_url(database_url)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with database_errors(url), engine.connect() as connection:
            _require_logical_wal(connection, config)
            _require_tables(connection, config)
            _require_privileges(connection, config)
    finally:
        engine.dispose()
