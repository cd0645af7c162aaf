"""Catch secrets and personal data in log output: a handler that keeps every log record
emitted while it is installed, and a scan of any captured text for known secrets.

The services' end-to-end suite (tests/integration/services/conftest.py) installs it for
the whole package, adds the stdout/stderr pytest captured around each test (threads and
the relay's JVM write there), and fails if any test user's e-mail address, password or
token shows up in any of it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

__all__ = ["LogCapture", "find_leaks", "mask"]

#: Loggers set to DEBUG while capturing (ours, and the HTTP server's); everything else
#: is captured from INFO up. SQLAlchemy's statement echo (its INFO) is left off: it is a
#: debugging switch that prints statement values by design.
DEBUG_LOGGERS = ("postroom", "uvicorn")
QUIET_LOGGERS = ("sqlalchemy",)


class LogCapture(logging.Handler):
    """Keeps every record's formatted text (message, arguments and traceback)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception:  # a record that can't be formatted is still evidence
            self.lines.append(f"{record.name}: {record.msg!r} {record.args!r}")

    @contextmanager
    def installed(self) -> Iterator[LogCapture]:
        root = logging.getLogger()
        levels = {name: logging.getLogger(name).level for name in (*DEBUG_LOGGERS, *QUIET_LOGGERS)}
        previous = root.level
        root.addHandler(self)
        root.setLevel(min(previous or logging.INFO, logging.INFO))
        for name in DEBUG_LOGGERS:
            logging.getLogger(name).setLevel(logging.DEBUG)
        for name in QUIET_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)
        try:
            yield self
        finally:
            root.removeHandler(self)
            root.setLevel(previous)
            for name, level in levels.items():
                logging.getLogger(name).setLevel(level)


def mask(secret: str) -> str:
    """A secret as a report may show it: enough to recognise, not to use."""
    return secret[:4] + "…" if len(secret) > 8 else "…"


def find_leaks(texts: Iterable[str], secrets: Iterable[str]) -> list[str]:
    """One line per (secret, text) where ``secret`` appears, the secret masked."""
    wanted = sorted({s for s in secrets if len(s) >= 6})
    leaks = []
    for text in texts:
        for secret in wanted:
            if secret in text:
                shown = text.replace(secret, f"<{mask(secret)}>")
                leaks.append(f"{mask(secret)} in: {shown[:300]}")
    return leaks
