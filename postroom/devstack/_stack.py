"""The embedded stack: a private PostgreSQL and a broker, started and stopped together.

Used alike by ``postroom demo``, the CLI and the test fixtures.
"""

from __future__ import annotations

from types import TracebackType

from postroom.devstack._embedded_broker import EmbeddedBroker
from postroom.devstack._embedded_postgres import EmbeddedPostgres

__all__ = ["EmbeddedStack"]


class EmbeddedStack:
    """``with EmbeddedStack() as stack:`` starts both servers and always stops both."""

    def __init__(self) -> None:
        self.postgres = EmbeddedPostgres()
        self.broker = EmbeddedBroker()

    @property
    def bootstrap_servers(self) -> str:
        return self.broker.bootstrap_servers

    def start(self) -> EmbeddedStack:
        try:
            self.broker.start()
            self.postgres.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        try:
            self.postgres.stop()
        finally:
            self.broker.stop()

    def __enter__(self) -> EmbeddedStack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
