"""One Debezium embedded engine, built so that *why* it stopped is never lost.

pydbzengine's ``DebeziumEngine.run()`` returns quietly when the Java engine fails to
start (a refused offset, a held slot): the reason only reaches Debezium's
``CompletionCallback``. We build the same engine with such a callback attached, so the
relay can name the failure.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

__all__ = ["EngineOutcome", "build_engine", "start_jvm"]

_LOG_CONFIG = Path(__file__).parent / "resources" / "log4j2.properties"


def start_jvm() -> None:
    """Start the JVM with Debezium on its class path (once per process).

    ``-Xrs``: the JVM leaves SIGTERM/SIGINT to Python, so ``postroom relay`` can close
    its engines (and commit their offsets) when it is asked to stop.
    """
    from pydbzengine.engine.jvm import ensure_jvm_started

    ensure_jvm_started(jvm_opts=["-Xrs", f"-Dlog4j2.configurationFile={_LOG_CONFIG}"])


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
