"""Events users publishes, on topic ``outbox.event.profile`` (key: the user id).

From schema version 2 the personal fields are sealed (crypto-shredding): ``display_name``
is the user's name sealed with their data key, which only users holds (see
``services.users.shred_user``). Consumers keep the sealed text; once the key is shredded
every copy, wherever it went, is unreadable. Version 1 payloads (clear names, published
before sealing) upcast unchanged: their names were never sealed.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from pydantic import Field

from postroom.services.events._contract import EventContract, catalog

__all__ = ["ProfileUpdated", "ProfileUpdatedV1"]

#: The longest sealed display name: 100 characters of up to 4 UTF-8 bytes, sealed.
SEALED_NAME_MAX = 1024


class _Profile(EventContract):
    aggregate_type: ClassVar[str] = "profile"
    user_id: uuid.UUID

    def aggregate_id(self) -> str:
        return str(self.user_id)

    def subject_id(self) -> str | None:
        return str(self.user_id)


@catalog.register
class ProfileUpdatedV1(_Profile):
    """A user edited their profile (the name in clear: superseded by version 2)."""

    event_type: ClassVar[str] = "ProfileUpdated"
    display_name: str = Field(min_length=1, max_length=100)


@catalog.register
class ProfileUpdated(_Profile):
    """A user edited their profile; ``display_name`` is sealed with the user's data key."""

    event_type: ClassVar[str] = "ProfileUpdated"
    schema_version: ClassVar[int] = 2
    #: Fields sealed with the subject's data key (crypto-shredding).
    sealed_fields: ClassVar[tuple[str, ...]] = ("display_name",)
    display_name: str = Field(min_length=1, max_length=SEALED_NAME_MAX)


@catalog.upcaster("ProfileUpdated", from_version=1)
def _v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
    # A name published in clear before sealing existed can't be sealed now by a consumer
    # (only users holds keys): it passes through, and erasure removes the copies.
    return payload
