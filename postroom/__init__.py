"""Postroom: transactional outbox/inbox for services that each own their database.

Every import name Postroom installs lives under ``postroom``: ``postroom.outbox`` (write
side), ``postroom.inbox`` (read side), ``postroom.connectors`` (database → Kafka),
``postroom.migrations`` (Alembic), ``postroom.devstack`` (local servers for tests and the
demo), ``postroom.cli`` (the ``postroom`` command) and ``postroom.services`` (reference
services). A user project's own ``migrations`` or ``services`` package never collides.
"""

from postroom.errors import PostroomError

__all__ = ["PostroomError"]
