"""An inbox worker of the whole-system chaos test, in its own OS process (so it can be
SIGKILLed). Run as ``python -m tests.integration.chaos.inbox_process URL BOOTSTRAP GROUP
TOPIC...``.

Its handler appends one ``effect`` row per run (no unique constraint: a repeated side
effect shows as a second row), numbered by a sequence so that the order in which each
aggregate's effects were applied can be checked afterwards. It prints ``assigned`` once
the group gave it partitions, and after every poll that changed them its outcome counts
(``outcomes handled=N duplicate=M``), which the test sums over every process it ran.
A worker whose database goes away stops (``InboxError``, exit code 1), as designed; the
test restarts it as a process manager would.
"""

from __future__ import annotations

import signal
import sys
import threading

import sqlalchemy as sa
from sqlalchemy.orm import Session

from postroom.inbox import HandlerRegistry, InboxConfig, InboxMessage, InboxWorker

EFFECT_TABLE = """
CREATE TABLE IF NOT EXISTS effect (
    n bigserial PRIMARY KEY,
    message_id uuid NOT NULL,
    topic text NOT NULL,
    aggregate text NOT NULL,
    seq integer NOT NULL
)
"""


def apply_effect(session: Session, message: InboxMessage) -> None:
    """One more row on every run: what a repeated side effect would look like."""
    assert isinstance(message.payload, dict)
    session.execute(
        sa.text("INSERT INTO effect (message_id, topic, aggregate, seq) VALUES (:i, :t, :a, :s)"),
        {
            "i": message.id,
            "t": message.topic,
            "a": message.payload["aggregate"],
            "s": message.payload["seq"],
        },
    )


def worker_config(group: str, topics: tuple[str, ...], bootstrap_servers: str) -> InboxConfig:
    """The settings every chaos worker runs with: the demo's one-host settings, and each
    poll deduplicated in one statement (``batch``), per record if that fails."""
    return InboxConfig.low_latency(
        group, topics, bootstrap_servers, max_poll_records=200, batch=True
    )


def main(url: str, bootstrap_servers: str, group: str, *topics: str) -> int:
    registry = HandlerRegistry()
    registry.on("Stepped")(apply_effect)
    engine = sa.create_engine(url, pool_pre_ping=True)
    worker = InboxWorker(worker_config(group, topics, bootstrap_servers), registry, engine)

    def announce() -> None:
        if worker.assigned.wait(300):
            print("assigned", flush=True)

    threading.Thread(target=announce, daemon=True).start()
    stop = threading.Event()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    print("polling", flush=True)
    shown = (0, 0)
    try:
        while not stop.is_set():
            worker.poll_once()
            now = (worker.outcomes["handled"], worker.outcomes["duplicate"])
            if now != shown:
                print(f"outcomes handled={now[0]} duplicate={now[1]}", flush=True)
                shown = now
    finally:
        worker.close()
        engine.dispose()
    print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
