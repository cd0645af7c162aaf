"""Must show: the relay's two quiet failure modes are loud and lose nothing.

- Its state directory (Debezium's source offsets) fills up on a real (tmpfs) disk while
  it relays, and it is SIGKILLed: started again on the full disk it refuses with one
  error line naming the directory and the cause, and once space is back it starts and
  every event arrives, none skipped, in order.
- The brokers refuse writes (the topic's ``min.insync.replicas`` raised to its
  replication factor, 3, and one of the three brokers killed, so no ``acks=all`` write
  can succeed): the relay says why, nothing is delivered (the slot holds the events:
  lag, not loss), and once the broker is back every event arrives, in order.
"""

from __future__ import annotations

import errno
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient

from postroom.connectors import ensure_topics
from postroom.devstack import EmbeddedStack, KafkaCluster
from tests.integration.chaos.conftest import MakeDatabase, write_report
from tests.integration.relay.chaos_tools import Collector, Writer, analyse, wait_until_all_arrived
from tests.integration.relay.relay_process import RelayProcess

pytestmark = [pytest.mark.chaos, pytest.mark.slow]

EVENTS = 600


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 512 KiB tmpfs: a disk that can really fill up (mounting needs root)."""
    mountpoint = tmp_path / "state"
    mountpoint.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mountpoint)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {mounted.stderr.strip()}")
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], capture_output=True)


def fill(directory: Path) -> Path:
    """Write a file until the filesystem says ENOSPC; return it (delete it to free space)."""
    filler = directory / "filler"
    with filler.open("wb", buffering=0) as out:
        try:
            while True:
                out.write(b"\0" * 4096)
        except OSError as exc:
            if exc.errno != errno.ENOSPC:
                raise
    return filler


def relay_lines(relay: RelayProcess, *needles: str) -> list[str]:
    return [line for line in relay.drain() if any(needle in line for needle in needles)]


def wait_for_output(relay: RelayProcess, *needles: str, timeout: float) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := relay_lines(relay, *needles):
            return found
        time.sleep(0.2)
    return []


def test_a_full_state_directory_is_a_clear_error_and_no_event_is_skipped(
    stack: EmbeddedStack, new_database: MakeDatabase, small_disk: Path
) -> None:
    url, engine = new_database("diskfull")
    name = url.rsplit("/", 1)[1]
    kind = "chaos_diskfull"
    args = ({name: url}, stack.bootstrap_servers, small_disk, "--aggregate-type", kind)
    relay = RelayProcess(*args).start()
    collector = Collector(stack.bootstrap_servers, [f"outbox.event.{kind}"])
    collector.start()
    writer = Writer({"diskfull": engine}, EVENTS, rate=100)
    writer.start()
    filler: Path | None = None
    try:
        while writer.count < EVENTS // 3 and writer.is_alive():
            writer.join(0.05)
        # The disk fills while the relay runs, then the relay crashes and is started
        # again: it must refuse, saying why, rather than run without durable offsets.
        filler = fill(small_disk)
        while writer.count < 2 * EVENTS // 3 and writer.is_alive():
            writer.join(0.05)
        relay.kill()
        refused = RelayProcess(*args)
        refused.launch()
        assert refused.process is not None
        refusal_code = refused.process.wait(120)
        refusal = [line for line in refused.drain() if line.startswith("error:")]
        # The fault clears: the relay starts and relays everything, none skipped.
        filler.unlink()
        filler = None
        relay = RelayProcess(*args).start()
        writer.join(120)
        wait_until_all_arrived(collector, writer.written, timeout=90)
    finally:
        if filler is not None:
            filler.unlink()
        collector.stop()
        relay.stop()
    result = analyse(writer.written, collector.seen)
    write_report(f"[state directory full, {EVENTS} events] {result}")
    print("refusal:", *refusal, sep="\n  ")

    assert refusal_code != 0
    assert len(refusal) == 1 and str(small_disk) in refusal[0], refusal
    assert "No space left on device" in refusal[0]
    assert result.lost == 0, f"skipped: {result.examples}"
    assert result.order_violations == 0, result.examples


def set_min_insync(bootstrap_servers: str, topic: str, value: int) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers)
    try:
        admin.alter_configs(
            [
                ConfigResource(
                    ConfigResourceType.TOPIC, topic, configs={"min.insync.replicas": str(value)}
                )
            ]
        )
    finally:
        admin.close()


@pytest.mark.kafka
def test_brokers_refusing_writes_are_a_clear_error_lag_not_loss_and_delivery_resumes(
    kafka3: KafkaCluster, new_database: MakeDatabase, tmp_path: Path
) -> None:
    url, engine = new_database("refused")
    name = url.rsplit("/", 1)[1]
    kind = "chaos_refused"
    topic = f"outbox.event.{kind}"
    ensure_topics(kafka3.bootstrap_servers, [topic], partitions=3, replication_factor=3)
    relay = RelayProcess(
        {name: url}, kafka3.bootstrap_servers, tmp_path, "--aggregate-type", kind
    ).start()
    collector = Collector(kafka3.bootstrap_servers, [topic])
    collector.start()
    writer = Writer({"refused": engine}, EVENTS, rate=100)
    victim: int | None = None
    try:
        writer.start()
        while writer.count < EVENTS // 3 and writer.is_alive():
            writer.join(0.05)
        wait_until_all_arrived(collector, dict(writer.written), timeout=60)
        # Every write needs all three replicas in sync; then one broker dies, so none can
        # be acknowledged (a topic setting above the replication factor would not do:
        # Kafka 4 caps min.insync.replicas at it).
        set_min_insync(kafka3.bootstrap_servers, topic, 3)
        victim = next(n.node_id for n in kafka3.nodes if n.node_id != kafka3.leader_of(topic, 0))
        kafka3.kill(victim)
        refused_from = writer.count
        time.sleep(5)  # the dead broker is fenced and leaves every ISR (3 s here)
        before = len(collector.ids())
        writer.join(EVENTS / 100 + 30)
        complaints = wait_for_output(relay, "NotEnoughReplicas", "not acknowledge", timeout=60)
        delivered_while_refused = len(collector.ids()) - before
        with engine.connect() as connection:
            retained = connection.execute(
                sa.text(
                    "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn) "
                    "FROM pg_replication_slots WHERE database = current_database()"
                )
            ).scalar_one()
        kafka3.start_node(victim)  # the fault clears: the broker is back in sync
        kafka3.wait_registered(3)
        wait_until_all_arrived(collector, writer.written, timeout=120)
    finally:
        collector.stop()
        relay.stop()
        if victim is not None and kafka3.node(victim).pid is None:
            kafka3.start_node(victim)
        set_min_insync(kafka3.bootstrap_servers, topic, 2)
    result = analyse(writer.written, collector.seen)
    write_report(
        f"[min.insync.replicas unmet, {EVENTS} events] {result} refused_from={refused_from} "
        f"delivered_while_refused={delivered_while_refused} slot_lag_bytes={retained}"
    )
    print("complaints:", *complaints[:3], sep="\n  ")

    assert complaints, "the relay did not say why the brokers refused"
    assert delivered_while_refused == 0
    assert retained > 0, "the slot held the undelivered events"
    assert result.lost == 0, f"skipped: {result.examples}"
    assert result.order_violations == 0, result.examples
