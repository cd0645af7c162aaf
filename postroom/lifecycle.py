"""``StartStop``: a thing that is started, used, and always stopped, also as ``with``.

The relay, the local stack and its Kafka and Connect clusters share this one shape:
``start()`` returns the started thing, ``stop()`` is safe to call whatever happened.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

__all__ = ["StartStop"]


class StartStop:
    """``with thing as started:`` runs ``start()``, and ``stop()`` on the way out."""

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
