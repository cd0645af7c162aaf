"""The two relay runtimes, set up alike for the contract suite.

A ``ContractRig`` is three service databases, one per outbox mode, each relayed by one
runtime: the embedded relay (real Debezium in this process) or a connector registered
with ``postroom connector register`` on the two-worker Kafka Connect cluster. Both get
the same ``ConnectorConfig``; the tests hold both to the same expected records.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from postroom import migrations
from postroom.cli import main
from postroom.connectors import ConnectorConfig, KafkaConnectClient, Relay, RelaySource, drop_slot
from postroom.devstack import ConnectCluster, EmbeddedStack
from postroom.outbox import Event, Outbox, OutboxMode

MODES: tuple[OutboxMode, ...] = ("table", "retain", "wal-message")
_rigs = itertools.count()


@dataclass
class ContractRig:
    """Three outboxes (one per mode) and the runtime relaying them."""

    runtime: str
    bootstrap_servers: str
    urls: dict[OutboxMode, str]
    engines: dict[OutboxMode, sa.Engine] = field(default_factory=dict)

    def publish(self, mode: OutboxMode, event: Event, *, commit: bool = True) -> None:
        with Session(self.engines[mode]) as session:
            session.begin()
            Outbox(mode=mode).publish(session, event)
            if commit:
                session.commit()
            else:
                session.rollback()

    def publish_everywhere(self, event: Event) -> None:
        for mode in MODES:
            self.publish(mode, event)


def _databases(stack: EmbeddedStack, runtime: str) -> dict[OutboxMode, str]:
    urls: dict[OutboxMode, str] = {}
    number = next(_rigs)
    for mode in MODES:
        url = stack.postgres.create_database(f"contract_{runtime}_{number}_{mode[:3]}")
        migrations.upgrade(url, settings=migrations.MigrationSettings(mode=mode))
        urls[mode] = url
    return urls


def _name(url: str) -> str:
    return url.rsplit("/", 1)[1]


def _wait_slots_active(urls: dict[OutboxMode, str], *, active: bool, timeout: float = 60) -> None:
    for url in urls.values():
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        deadline = time.monotonic() + timeout
        query = sa.text("SELECT active FROM pg_replication_slots WHERE slot_name = :slot")
        try:
            with engine.connect() as connection:
                while connection.execute(query, {"slot": f"postroom_{_name(url)}"}).scalar() is (
                    not active
                ):
                    assert time.monotonic() < deadline, f"slot of {url} not active={active}"
                    time.sleep(0.1)
                    connection.rollback()
        finally:
            engine.dispose()


@pytest.fixture(
    scope="module", params=["relay", pytest.param("connect", marks=pytest.mark.connect)]
)
def rig(
    request: pytest.FixtureRequest, stack: EmbeddedStack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ContractRig]:
    runtime: str = request.param
    urls = _databases(stack, runtime)
    rig = ContractRig(runtime, stack.bootstrap_servers, urls)
    rig.engines = {mode: sa.create_engine(url) for mode, url in urls.items()}
    try:
        if runtime == "relay":
            yield from _with_relay(rig, stack, Path(tmp_path_factory.mktemp("contract")))
        else:
            yield from _with_connect(rig, request.getfixturevalue("connect"))
    finally:
        for engine in rig.engines.values():
            engine.dispose()


def _with_relay(rig: ContractRig, stack: EmbeddedStack, state_dir: Path) -> Iterator[ContractRig]:
    sources = [
        RelaySource(ConnectorConfig.from_url(_name(url), url, mode=mode), url)
        for mode, url in rig.urls.items()
    ]
    relay = Relay(sources, bootstrap_servers=stack.bootstrap_servers, state_dir=state_dir)
    relay.start()
    try:
        relay.wait_streaming()
        yield rig
    finally:
        relay.stop()
    assert not relay.errors


def _with_connect(rig: ContractRig, connect: ConnectCluster) -> Iterator[ContractRig]:
    for mode, url in rig.urls.items():
        code = main(
            [
                "connector", "register", _name(url), "--connect-url", connect.url,
                "--database-url", url, "--mode", mode,
            ]
        )  # fmt: skip
        assert code == 0, f"postroom connector register failed for {mode}"
    try:
        _wait_slots_active(rig.urls, active=True)
        yield rig
    finally:
        with KafkaConnectClient(connect.url) as client:
            for url in rig.urls.values():
                client.delete(_name(url))
        _wait_slots_active(rig.urls, active=False)
        for url in rig.urls.values():
            drop_slot(url, f"postroom_{_name(url)}", force=True)
