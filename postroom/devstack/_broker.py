"""Which Kafka-protocol broker the local stack runs, and what both kinds offer.

``kafka`` is Apache Kafka (KRaft, a JVM, data on disk): what users run in production, and
the default for tests and benchmarks. ``tansu`` is Tansu, a single Rust binary that
keeps everything in memory and starts in milliseconds, with known differences from
Apache Kafka (see docs/kafka.md). ``POSTROOM_BROKER`` chooses; the default is per use.
"""

from __future__ import annotations

import os
from typing import Literal, Protocol, get_args

from postroom.errors import StackError

__all__ = ["BROKER_ENV", "Broker", "BrokerKind", "broker_kind"]

BrokerKind = Literal["kafka", "tansu"]
BROKER_ENV = "POSTROOM_BROKER"


class Broker(Protocol):
    """A local broker (or cluster of brokers): ``start()``, use it, ``stop()`` by PID."""

    @property
    def bootstrap_servers(self) -> str: ...

    @property
    def pid(self) -> int | None:
        """The process of the (first) broker, None when stopped."""

    @property
    def pids(self) -> list[int]:
        """Every running broker process."""

    def start(self) -> Broker: ...

    def stop(self) -> None: ...


def broker_kind(default: BrokerKind = "kafka") -> BrokerKind:
    """The broker ``POSTROOM_BROKER`` names, or ``default`` when it is unset."""
    value = os.environ.get(BROKER_ENV, "").strip().lower() or default
    for kind in get_args(BrokerKind):
        if value == kind:
            return kind  # type: ignore[no-any-return]
    raise StackError(
        f"{BROKER_ENV} must be one of {', '.join(get_args(BrokerKind))}, got {value!r}"
    )
