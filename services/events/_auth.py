"""Events auth publishes, on topic ``outbox.event.user`` (key: the user id)."""

from __future__ import annotations

import uuid
from typing import ClassVar, Literal

from pydantic import Field, model_validator

from postroom.services.events._contract import EventContract, catalog

__all__ = ["PasswordChanged", "UserDeactivated", "UserRegistered"]


class _UserEvent(EventContract):
    aggregate_type: ClassVar[str] = "user"
    user_id: uuid.UUID

    def aggregate_id(self) -> str:
        return str(self.user_id)

    def subject_id(self) -> str | None:
        return str(self.user_id)


@catalog.register
class UserRegistered(_UserEvent):
    """A registration was created, its email changed, or it was deleted (``action``)."""

    event_type: ClassVar[str] = "UserRegistered"
    action: Literal["create", "update", "delete"]
    email: str | None = Field(default=None, max_length=320)

    @model_validator(mode="after")
    def _email_unless_deleted(self) -> UserRegistered:
        if self.action != "delete" and not self.email:
            raise ValueError(f"a {self.action!r} registration carries the email")
        return self


@catalog.register
class UserDeactivated(_UserEvent):
    """The account can no longer log in; its tokens die within their short lifetime."""

    event_type: ClassVar[str] = "UserDeactivated"


@catalog.register
class PasswordChanged(_UserEvent):
    """The account's password was changed (the event carries no secret)."""

    event_type: ClassVar[str] = "PasswordChanged"
