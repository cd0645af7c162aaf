"""Events watch-history publishes, on topic ``outbox.event.watch`` (key: the user id)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

from pydantic import Field

from postroom.services.events._contract import EventContract, catalog

__all__ = ["TitleWatched", "WatchExpired"]


@catalog.register
class TitleWatched(EventContract):
    """A user watched part of a title (one appended change of their history)."""

    event_type: ClassVar[str] = "TitleWatched"
    aggregate_type: ClassVar[str] = "watch"
    watch_id: uuid.UUID
    user_id: uuid.UUID
    title_id: str = Field(min_length=1, max_length=200)
    title: str = Field(min_length=1, max_length=500)
    seconds: int = Field(ge=1, le=86_400)
    watched_at: datetime

    def aggregate_id(self) -> str:
        return str(self.user_id)

    def subject_id(self) -> str | None:
        return str(self.user_id)


@catalog.register
class WatchExpired(EventContract):
    """A watch passed watch-history's retention horizon and was deleted; read models
    and the reporting store drop what they derived from it."""

    event_type: ClassVar[str] = "WatchExpired"
    aggregate_type: ClassVar[str] = "watch"
    watch_id: uuid.UUID
    user_id: uuid.UUID
    seconds: int = Field(ge=1, le=86_400)
    watched_at: datetime

    def aggregate_id(self) -> str:
        return str(self.user_id)

    def subject_id(self) -> str | None:
        return str(self.user_id)
