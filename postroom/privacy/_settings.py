"""``signed_outbox_settings``: migration settings for an outbox whose events are signed."""

from __future__ import annotations

from typing import Any

from postroom.migrations import MigrationSettings
from postroom.outbox import wire

__all__ = ["signed_outbox_settings"]


def signed_outbox_settings(**settings: Any) -> MigrationSettings:
    """``MigrationSettings(**settings)`` plus the ``signature`` header column that
    ``Outbox(signer=...)`` writes and the relay places as the ``signature`` header."""
    headers = dict(settings.pop("extra_header_columns", {}))
    headers[wire.SIGNATURE_COLUMN] = wire.SIGNATURE_HEADER
    return MigrationSettings(extra_header_columns=headers, **settings)
