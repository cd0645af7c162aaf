"""``PrivacySettings``: privacy's database, its keys, who takes part, and its deadlines."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from postroom.services.platform import ServiceSettings, SigningKey

__all__ = ["PARTICIPANTS", "PrivacySettings"]

#: The services that hold a piece of every user, in the order they are listed.
PARTICIPANTS = ("auth", "authz", "users", "watch_history", "activity", "reporting")


@dataclass(frozen=True)
class PrivacySettings:
    """``records_key`` signs the completion records (Ed25519; auditors get its public
    half); ``subject_key`` keys the digest that stands for a user id once erased."""

    database_url: str
    public_key: str
    records_key: SigningKey
    subject_key: bytes
    log_dir: Path
    participants: tuple[str, ...] = PARTICIPANTS
    partner_url: str | None = None
    #: The legal deadline; past it the saga is ``overdue`` and keeps asking.
    erasure_deadline: timedelta = timedelta(days=30)
    erasure_rerequest: timedelta = timedelta(hours=1)
    #: Past it, the export is made of the parts that arrived, marked partial.
    export_deadline: timedelta = timedelta(minutes=10)
    export_rerequest: timedelta = timedelta(minutes=2)
    scheduler_interval: float = 1.0

    def __post_init__(self) -> None:
        if len(self.subject_key) < 16:
            raise ValueError("subject_key must be at least 16 bytes")
        if not self.participants:
            raise ValueError("at least one participant")

    @property
    def service(self) -> ServiceSettings:
        return ServiceSettings(self.database_url, self.public_key, audience="privacy")

    @property
    def log_path(self) -> Path:
        from postroom.services.privacy._erasure_log import LOG_NAME

        return self.log_dir / LOG_NAME

    def erasure_participants(self) -> tuple[str, ...]:
        return (*self.participants, "partner") if self.partner_url else self.participants

    def digest(self, user_id: str) -> str:
        """The keyed digest that stands for ``user_id`` in records and the log."""
        mac = hmac.new(self.subject_key, str(user_id).encode(), hashlib.sha256)
        return f"hmac-sha256:{mac.hexdigest()}"
