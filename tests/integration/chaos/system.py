"""The moving parts of the whole-system chaos test: the fault schedule, the inbox worker
processes (restarted when they stop, as a process manager would), and what the consumer's
database says happened (side effects, their order, what was never applied)."""

from __future__ import annotations

import random
import re
import threading
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

from tests.integration.child_process import ChildProcess
from tests.integration.relay.chaos_tools import Written

#: What the issue asks for: relay SIGKILL x3, consumer worker SIGKILL x3, a Kafka broker
#: SIGKILLed once (started again a few seconds later), PostgreSQL restarted once.
FAULTS = ("relay",) * 3 + ("worker",) * 3 + ("broker", "postgres")


@dataclass(frozen=True)
class Fault:
    kind: str
    at_written: int  # fires once the writer has committed this many events


def fault_schedule(seed: int, events: int) -> list[Fault]:
    """Every fault of ``FAULTS`` at a random moment between 10% and 85% of the writes,
    in a random order; the same ``seed`` gives the same schedule."""
    rng = random.Random(seed)
    moments = sorted(int(events * rng.uniform(0.10, 0.85)) for _ in FAULTS)
    kinds = rng.sample(FAULTS, len(FAULTS))
    return [Fault(kind, at) for kind, at in zip(kinds, moments, strict=True)]


_OUTCOMES = re.compile(r"outcomes handled=(\d+) duplicate=(\d+)")


class WorkerProcess(ChildProcess):
    """One inbox worker process (``tests.integration.chaos.inbox_process``)."""

    def __init__(self, url: str, bootstrap_servers: str, group: str, topics: list[str]) -> None:
        super().__init__(
            "tests.integration.chaos.inbox_process", url, bootstrap_servers, group, *topics
        )
        self.killed = False

    def outcomes(self) -> tuple[int, int]:
        """(handled, duplicates) as last printed: a SIGKILL loses at most one poll's count."""
        for line in reversed(self.drain()):
            if match := _OUTCOMES.match(line):
                return int(match[1]), int(match[2])
        return 0, 0


class WorkerPool:
    """``size`` worker processes of one consumer group. A worker that exits by itself
    (its database restarted: ``InboxError``) is started again after a second, as a
    process manager would; ``kill`` SIGKILLs one and starts its replacement at once."""

    def __init__(
        self, size: int, url: str, bootstrap_servers: str, group: str, topics: list[str]
    ) -> None:
        self._make = lambda: WorkerProcess(url, bootstrap_servers, group, topics)
        self.slots = [self._make() for _ in range(size)]
        self.retired: list[WorkerProcess] = []
        self.exited_by_themselves: list[str] = []
        #: Seconds each replacement of a killed worker took to be assigned partitions.
        self.rejoin_seconds: list[float] = []
        self._replacements: list[WorkerProcess] = []
        self._halt = threading.Event()
        self._lock = threading.Lock()
        self._watcher = threading.Thread(target=self._watch, daemon=True)

    def start(self) -> None:
        for worker in self.slots:
            worker.launch()
        for worker in self.slots:
            worker.wait_for_line("assigned", timeout=120)
        self._watcher.start()

    def _replace(self, index: int) -> WorkerProcess:
        self.retired.append(self.slots[index])
        fresh = self._make()
        fresh.launch()
        self.slots[index] = fresh
        return fresh

    def _watch(self) -> None:
        while not self._halt.wait(0.5):
            with self._lock:
                for index, worker in enumerate(self.slots):
                    code = worker.exit_code()
                    if code is not None and not worker.killed:
                        tail = " | ".join(worker.drain()[-3:])[:400]
                        self.exited_by_themselves.append(f"exit {code}: {tail}")
                        self._halt.wait(1.0)
                        fresh = self._replace(index)
                        # A killed worker's replacement that stopped is replaced in turn:
                        # the rejoin to prove is the one that finally holds the slot.
                        self._replacements = [
                            fresh if w is worker else w for w in self._replacements
                        ]

    def kill(self, index: int) -> None:
        with self._lock:
            victim = self.slots[index]
            victim.killed = True
            victim.kill()
            self._replacements.append(self._replace(index))

    def wait_rejoined(self, timeout: float) -> None:
        """Wait until every replacement of a killed worker was assigned partitions."""
        with self._lock:
            replacements = list(self._replacements)
        for worker in replacements:
            worker.wait_for_line("assigned", timeout=max(1.0, timeout))
            self.rejoin_seconds.append(round(worker.matched_at - worker.started_at, 1))

    def absorbed(self) -> tuple[int, int]:
        """(handled, duplicates) summed over every process the pool ran."""
        counts = [worker.outcomes() for worker in [*self.retired, *self.slots]]
        return sum(c[0] for c in counts), sum(c[1] for c in counts)

    def stop(self) -> list[int | None]:
        """SIGTERM every worker (finish the poll, commit, leave); their exit codes."""
        self._halt.set()
        if self._watcher.is_alive():
            self._watcher.join(10)
        codes: list[int | None] = []
        for worker in self.slots:
            try:
                codes.append(worker.terminate(timeout=30))
            except Exception:
                codes.append(None)
            finally:
                worker.stop()
        for worker in self.retired:
            worker.stop()
        return codes


@dataclass
class SideEffects:
    """What the consuming service's database shows."""

    rows: int
    distinct: int
    lost: int
    order_violations: int
    examples: list[str] = field(default_factory=list)

    @property
    def duplicates(self) -> int:
        return self.rows - self.distinct


def distinct_effects(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        query = sa.text("SELECT count(DISTINCT message_id) FROM effect")
        return int(connection.execute(query).scalar_one())


def side_effects(engine: sa.Engine, written: dict[str, Written]) -> SideEffects:
    """Per aggregate, the effects in the order they were applied must carry sequence
    numbers 1, 2, 3, ... (each committed event once, in commit order)."""
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT message_id::text, topic, aggregate, seq FROM effect ORDER BY n")
        ).all()
    applied: dict[tuple[str, str], list[int]] = defaultdict(list)
    seen: set[str] = set()
    for message_id, topic, aggregate, seq in rows:
        if message_id not in seen:
            seen.add(message_id)
            applied[(topic, aggregate)].append(seq)
    violations = [
        f"{key}: applied {seqs[:12]}..."
        for key, seqs in applied.items()
        if seqs != list(range(1, len(seqs) + 1))
    ]
    lost = set(written) - seen
    return SideEffects(
        rows=len(rows),
        distinct=len(seen),
        lost=len(lost),
        order_violations=len(violations),
        examples=[*sorted(lost)[:5], *violations[:5]],
    )
