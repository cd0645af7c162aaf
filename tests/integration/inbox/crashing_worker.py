"""A real inbox worker process that SIGKILLs itself right after its first database commit.

Run as ``python -m tests.integration.inbox.crashing_worker URL BOOTSTRAP TOPIC CONSUMER``.
The kill comes from ``InboxProcessor.after_commit``: the handler's transaction (inbox
row + side effect) has committed and the Kafka offset has not, which is exactly the
window a crash must not turn into a repeated side effect.
"""

from __future__ import annotations

import os
import signal
import sys

import sqlalchemy as sa

from inbox import HandlerRegistry, InboxConfig, InboxMessage, InboxWorker, Outcome
from tests.integration.inbox.conftest import FAST, record_effect


def main(url: str, bootstrap_servers: str, topic: str, consumer: str) -> None:
    registry = HandlerRegistry()
    registry.on("ParcelSent")(record_effect)
    worker = InboxWorker(
        InboxConfig(
            consumer=consumer, topics=(topic,), bootstrap_servers=bootstrap_servers, **FAST
        ),  # type: ignore[arg-type]
        registry,
        sa.create_engine(url),
    )

    def die(message: InboxMessage, outcome: Outcome) -> None:
        if outcome is Outcome.HANDLED:
            sys.stdout.write(f"committed {message.id}, killing myself\n")
            sys.stdout.flush()
            os.kill(os.getpid(), signal.SIGKILL)

    worker.processor.after_commit.append(die)
    sys.stdout.write("polling\n")
    sys.stdout.flush()
    worker.run_until_signalled()


if __name__ == "__main__":
    main(*sys.argv[1:5])
