"""Events users publishes, on topic ``outbox.event.profile`` (key: the user id)."""

from __future__ import annotations

import uuid
from typing import ClassVar

from pydantic import Field

from postroom.services.events._contract import EventContract, catalog

__all__ = ["ProfileUpdated"]


@catalog.register
class ProfileUpdated(EventContract):
    """A user edited their profile."""

    event_type: ClassVar[str] = "ProfileUpdated"
    aggregate_type: ClassVar[str] = "profile"
    user_id: uuid.UUID
    display_name: str = Field(min_length=1, max_length=100)

    def aggregate_id(self) -> str:
        return str(self.user_id)

    def subject_id(self) -> str | None:
        return str(self.user_id)
