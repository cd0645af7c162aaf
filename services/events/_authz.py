"""Events authz publishes, on topic ``outbox.event.access`` (key: the user id)."""

from __future__ import annotations

import uuid
from typing import ClassVar

from postroom.services.events._contract import EventContract, catalog

__all__ = ["RolesChanged"]


@catalog.register
class RolesChanged(EventContract):
    """A user's roles changed; ``permissions`` is everything those roles now grant."""

    event_type: ClassVar[str] = "RolesChanged"
    aggregate_type: ClassVar[str] = "access"
    user_id: uuid.UUID
    roles: list[str]
    permissions: list[str]

    def aggregate_id(self) -> str:
        return str(self.user_id)

    def subject_id(self) -> str | None:
        return str(self.user_id)
