"""Errors of the migrations package, under ``outbox.PostroomError``.

PostroomError
└── MigrationError           (a migration could not run as asked; never retriable)
    ├── MigrationSettingsError   (bad settings or arguments; nothing was run)
    └── MigrationDriftError      (models and revisions disagree; lists the differences)
"""

from __future__ import annotations

from outbox._errors import PostroomError

__all__ = [
    "MigrationDriftError",
    "MigrationError",
    "MigrationLockTimeoutError",
    "MigrationSettingsError",
]


class MigrationError(PostroomError):
    """A migration could not run as asked."""


class MigrationSettingsError(MigrationError, ValueError):
    """A migration setting or argument is invalid; the message names it."""


class MigrationLockTimeoutError(MigrationError):
    """A revision could not get its lock within ``lock_timeout``; nothing of it was applied."""

    retriable = True


class MigrationDriftError(MigrationError):
    """The tables in the database differ from the models; ``differences`` lists how."""

    def __init__(self, message: str, *, differences: list[str]) -> None:
        super().__init__(message)
        self.differences = differences
