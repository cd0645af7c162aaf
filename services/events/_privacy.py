"""Privacy events: the coordinator's requests on topic ``outbox.event.privacy`` (key: the
user id) and the participants' replies on ``outbox.event.privacy_reply`` (key: the request
id), correlated by ``request_id``.

A request names the services that should answer (``services``): a re-request names only
the silent ones. Confirmations say what was erased where and how many rows, never whose.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from pydantic import Field

from postroom.services.events._contract import EventContract, catalog

__all__ = [
    "PRIVACY_REPLY_TYPE",
    "PRIVACY_REQUEST_TYPE",
    "ErasureRequested",
    "UserDataErased",
    "UserDataExportPart",
    "UserDataExportRequested",
]

PRIVACY_REQUEST_TYPE = "privacy"
PRIVACY_REPLY_TYPE = "privacy_reply"

_Service = Field(min_length=1, max_length=100, pattern=r"^[a-z_]+$")


class _Request(EventContract):
    aggregate_type: ClassVar[str] = PRIVACY_REQUEST_TYPE
    request_id: uuid.UUID
    user_id: uuid.UUID
    attempt: int = Field(ge=1)
    services: list[str] = Field(min_length=1)

    def aggregate_id(self) -> str:
        return str(self.user_id)

    def subject_id(self) -> str | None:
        return str(self.user_id)


class _Reply(EventContract):
    aggregate_type: ClassVar[str] = PRIVACY_REPLY_TYPE
    request_id: uuid.UUID
    service: str = _Service

    def aggregate_id(self) -> str:
        return str(self.request_id)


@catalog.register
class ErasureRequested(_Request):
    """Erase or anonymise everything held about ``user_id``, then confirm (``UserDataErased``)."""

    event_type: ClassVar[str] = "ErasureRequested"


@catalog.register
class UserDataErased(_Reply):
    """``service`` erased the user's data: rows deleted and anonymised, per table."""

    event_type: ClassVar[str] = "UserDataErased"
    deleted: dict[str, int] = Field(default_factory=dict)
    anonymised: dict[str, int] = Field(default_factory=dict)


@catalog.register
class UserDataExportRequested(_Request):
    """Send everything held about ``user_id`` back as a ``UserDataExportPart``."""

    event_type: ClassVar[str] = "UserDataExportRequested"


@catalog.register
class UserDataExportPart(_Reply):
    """``service``'s part of an export: its rows about the user, per table (JSON)."""

    event_type: ClassVar[str] = "UserDataExportPart"
    part: dict[str, list[dict[str, Any]]]
