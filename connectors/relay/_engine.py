"""One Debezium embedded engine, built so that *why* it stopped is never lost.

pydbzengine's ``DebeziumEngine.run()`` returns quietly when the Java engine fails to
start (a refused offset, a held slot): the reason only reaches Debezium's
``CompletionCallback``. We build the same engine with such a callback attached, so the
relay can name the failure.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

__all__ = ["RELAY_JVM_OPTIONS", "EngineOutcome", "build_engine", "relay_jvm_options", "start_jvm"]

_LOG_CONFIG = Path(__file__).parent / "resources" / "log4j2.properties"


#: The relay's JVM: a fixed small heap (RSS stays flat: the heap never grows past what
#: the first minutes touched), the serial collector (the smallest footprint, and young
#: collections of a heap this size pause for a few ms), a capped code cache and thread
#: stacks. ``POSTROOM_RELAY_JVM_OPTS`` replaces them (space-separated), e.g. to give a
#: relay of many databases a bigger heap.
RELAY_JVM_OPTIONS = (
    "-Xms192m",
    "-Xmx192m",
    "-XX:-UseG1GC",  # pydbzengine turns G1 on first; two collectors would be refused
    "-XX:+UseSerialGC",
    "-XX:ReservedCodeCacheSize=64m",
    "-XX:MaxMetaspaceSize=192m",
    "-Xss512k",
    "-XX:+ExitOnOutOfMemoryError",
)


def relay_jvm_options() -> list[str]:
    """``RELAY_JVM_OPTIONS``, or ``POSTROOM_RELAY_JVM_OPTS`` when it is set."""
    given = os.environ.get("POSTROOM_RELAY_JVM_OPTS")
    return given.split() if given is not None else list(RELAY_JVM_OPTIONS)


def start_jvm() -> None:
    """Start the JVM with Debezium on its class path (once per process).

    ``-Xrs``: the JVM leaves SIGTERM/SIGINT to Python, so ``postroom relay`` can close
    its engines (and commit their offsets) when it is asked to stop.
    """
    from pydbzengine.engine.jvm import ensure_jvm_started

    ensure_jvm_started(
        jvm_opts=[
            "-Xrs",
            f"-Dlog4j2.configurationFile={_LOG_CONFIG}",
            *relay_jvm_options(),
        ]
    )


class EngineOutcome:
    """What Debezium's completion callback reported: success flag, message, error."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.success = True
        self.message = ""
        self.error: str | None = None

    def describe(self) -> str:
        return f"{self.message} {self.error or ''}".strip()


def _callback(outcome: EngineOutcome) -> Any:
    import jpype

    @jpype.JImplements("io.debezium.engine.DebeziumEngine$CompletionCallback")  # type: ignore[misc,untyped-decorator,unused-ignore]
    class Completion:
        @jpype.JOverride  # type: ignore[misc,untyped-decorator,unused-ignore]
        def handle(self, success: Any, message: Any, error: Any) -> None:
            outcome.success = bool(success)
            outcome.message = str(message) if message is not None else ""
            if error is not None:
                cause = error
                parts = [str(cause)]
                while cause.getCause() is not None and cause.getCause() != cause:
                    cause = cause.getCause()
                    parts.append(str(cause))
                outcome.error = " <- ".join(parts)
            outcome.done.set()

    return Completion()


def build_engine(properties: dict[str, str], handler: Any, fmt: Any) -> tuple[Any, EngineOutcome]:
    """A pydbzengine ``DebeziumEngine`` whose Java engine reports its completion to us."""
    from pydbzengine import DebeziumEngine
    from pydbzengine.engine._jvm import JDebeziumEngine, JProperties

    engine = DebeziumEngine(properties, handler, format=fmt)
    java_props = JProperties()
    for key, value in properties.items():
        java_props.setProperty(key, value)
    outcome = EngineOutcome()
    engine._engine = (
        JDebeziumEngine.create(fmt)
        .using(java_props)
        .using(_callback(outcome))
        .notifying(engine.consumer)
        .build()
    )
    return engine, outcome
