"""A real inbox worker in its own OS process, for the crash and shutdown tests.

Run as ``python -m tests.integration.inbox.worker_process MODE URL BOOTSTRAP TOPIC GROUP``.

- ``crash-after-commit``: SIGKILLs itself right after its first database commit, from
  ``InboxProcessor.after_commit``: the handler's transaction (inbox row + side effect)
  has committed and the Kafka offset has not, the window a crash must not turn into a
  repeated side effect.
- ``run``: an ordinary worker; SIGTERM makes it finish its poll, commit and leave.
"""

from __future__ import annotations

import os
import signal
import sys

import sqlalchemy as sa

from postroom.inbox import HandlerRegistry, InboxConfig, InboxMessage, InboxWorker, Outcome
from tests.integration.inbox.conftest import FAST, record_effect


def main(mode: str, url: str, bootstrap_servers: str, topic: str, group: str) -> None:
    registry = HandlerRegistry()
    registry.on("ParcelSent")(record_effect)
    config = InboxConfig(
        consumer=group,
        topics=(topic,),
        bootstrap_servers=bootstrap_servers,
        max_poll_records=50,
        **FAST,  # type: ignore[arg-type]
    )
    engine = sa.create_engine(url)
    worker = InboxWorker(config, registry, engine)

    def die(message: InboxMessage, outcome: Outcome) -> None:
        if outcome is Outcome.HANDLED:
            sys.stdout.write(f"committed {message.id}, killing myself\n")
            sys.stdout.flush()
            os.kill(os.getpid(), signal.SIGKILL)

    if mode == "crash-after-commit":
        worker.processor.after_commit.append(die)
    sys.stdout.write("polling\n")
    sys.stdout.flush()
    worker.run_until_signalled()
    engine.dispose()
    sys.stdout.write(f"stopped after {worker.outcomes['handled']} handled\n")


if __name__ == "__main__":
    main(*sys.argv[1:6])
