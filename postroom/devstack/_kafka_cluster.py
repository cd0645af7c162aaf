"""Apache Kafka in KRaft mode (no ZooKeeper) on 127.0.0.1: one node, or three.

Each node is one JVM that is both broker and controller (``process.roles=broker,controller``)
with its own free client and controller ports and its log directory under a temporary
directory. A cluster ID is chosen here and every node's directory is formatted with it
(``kafka.tools.StorageTool format``, what ``kafka-storage.sh format`` runs) before the
first start. One node: internal topics with one replica. Three nodes: a controller quorum
of three and replication factor 3 with ``min.insync.replicas=2`` by default, so any one
node can be killed (``kill``) and started again (``start_node``) while writes go on.

``security=BrokerSecurity.create(directory)`` makes the client listener ``SASL_SSL``
only (TLS with a certificate of ``LocalCertificates``, SCRAM-SHA-512 users written into
the metadata when the storage is formatted, ``--add-scram``); the brokers talk to each
other over it too, as the first user. The KRaft controller listener stays plaintext on
127.0.0.1 (see docs/security.md). Without it, everything is plaintext, as before.

The jars come from ``scripts/bootstrap`` (see ``postroom.devstack._jvm``). Stopping is
by PID: SIGTERM (Kafka's controlled shutdown), SIGKILL after a deadline.
"""

from __future__ import annotations

import base64
import contextlib
import secrets
import shutil
import tempfile
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from postroom.devstack._certificates import LocalCertificates
from postroom.devstack._jvm import JavaServer, stop_servers
from postroom.devstack._processes import free_port, rss_bytes, wait_for_port
from postroom.errors import StackError
from postroom.kafka_security import KafkaSecurity, SaslMechanism
from postroom.lifecycle import StartStop

__all__ = ["BrokerSecurity", "KafkaCluster", "KafkaNode"]

_SCRAM: SaslMechanism = "SCRAM-SHA-512"
_SCRAM_MODULE = "org.apache.kafka.common.security.scram.ScramLoginModule"


@dataclass(frozen=True)
class BrokerSecurity:
    """A ``SASL_SSL`` client listener: the brokers' certificate and the SCRAM-SHA-512 users.

    ``users`` maps user to password; ``broker_user`` is the one the brokers use among
    themselves (and the devstack's own admin checks).
    """

    certificates: LocalCertificates
    users: Mapping[str, str] = field(repr=False)
    broker_user: str = "broker"

    @classmethod
    def create(cls, directory: Path, users: tuple[str, ...] = ("postroom",)) -> BrokerSecurity:
        """New certificates in ``directory`` and a random password for each user."""
        passwords = {name: secrets.token_hex(16) for name in ("broker", *users)}
        return cls(LocalCertificates.create(directory), passwords)

    def client(self, user: str, *, password: str | None = None) -> KafkaSecurity:
        """What a client logging in as ``user`` passes (``password`` to try a wrong one)."""
        return KafkaSecurity(
            protocol="SASL_SSL",
            ssl_cafile=str(self.certificates.ca_file),
            sasl_mechanism=_SCRAM,
            sasl_username=user,
            sasl_password=password if password is not None else self.users[user],
        )

    def broker_properties(self) -> dict[str, str]:
        password = self.users[self.broker_user].replace('"', '\\"')
        return {
            "listener.security.protocol.map": "SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT",
            "inter.broker.listener.name": "SASL_SSL",
            "sasl.enabled.mechanisms": _SCRAM,
            "sasl.mechanism.inter.broker.protocol": _SCRAM,
            "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config": (
                f'{_SCRAM_MODULE} required username="{self.broker_user}" password="{password}";'
            ),
            "ssl.keystore.type": "PEM",
            "ssl.keystore.location": str(self.certificates.bundle_file),
            "ssl.truststore.type": "PEM",
            "ssl.truststore.location": str(self.certificates.ca_file),
            "ssl.client.auth": "none",
        }

    def format_arguments(self) -> list[str]:
        """``--add-scram`` for each user: credentials in the metadata from the start."""
        arguments = []
        for user, password in self.users.items():
            arguments += ["--add-scram", f"{_SCRAM}=[name={user},password={password}]"]
        return arguments


#: Broker settings for a small, fast, local cluster (both sizes).
_COMMON = {
    "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
    "controller.listener.names": "CONTROLLER",
    "inter.broker.listener.name": "PLAINTEXT",
    "num.partitions": "1",
    "auto.create.topics.enable": "true",
    "group.initial.rebalance.delay.ms": "0",
    # Tests and the demo run consumers with 2 s sessions, so that a group forms and a
    # dead member is noticed quickly; Kafka's default floor is 6 s.
    "group.min.session.timeout.ms": "500",
    "num.network.threads": "2",
    "num.io.threads": "2",
    "background.threads": "2",
    "num.recovery.threads.per.data.dir": "1",
    "log.cleaner.threads": "1",
    "offsets.topic.num.partitions": "5",
    # A killed node is fenced (and its partitions get new leaders) after 3 s, not 9 s.
    "broker.session.timeout.ms": "3000",
    "broker.heartbeat.interval.ms": "500",
    "unclean.leader.election.enable": "false",
}


def _replication(size: int) -> dict[str, str]:
    factor = str(min(size, 3))
    min_isr = "2" if size >= 3 else "1"
    return {
        "default.replication.factor": factor,
        "min.insync.replicas": min_isr,
        "offsets.topic.replication.factor": factor,
        "transaction.state.log.replication.factor": factor,
        "transaction.state.log.min.isr": min_isr,
        "share.coordinator.state.topic.replication.factor": factor,
        "share.coordinator.state.topic.min.isr": min_isr,
    }


def new_cluster_id() -> str:
    """A KRaft cluster ID: a random UUID, base64url without padding (22 characters).

    Like Kafka's own ``Uuid.randomUuid``, never one starting with "-": the storage tool
    would read it as an option.
    """
    while True:
        candidate = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not candidate.startswith("-"):
            return candidate


@dataclass
class KafkaNode:
    """One broker+controller of a ``KafkaCluster``."""

    node_id: int
    port: int
    controller_port: int
    directory: Path
    server: JavaServer | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.server.pid if self.server is not None else None

    @property
    def config_file(self) -> Path:
        return self.directory / "server.properties"


class KafkaCluster(StartStop):
    """``with KafkaCluster(size=3) as kafka:`` use ``kafka.bootstrap_servers``.

    ``startup_seconds`` is how long ``start()`` took (format, JVMs, all nodes registered).
    """

    def __init__(
        self,
        size: int = 1,
        *,
        heap: str = "384m",
        base_dir: Path | None = None,
        security: BrokerSecurity | None = None,
    ) -> None:
        if size not in (1, 3):
            raise StackError(f"a local Kafka cluster has 1 or 3 nodes, not {size}")
        self.size = size
        #: None: plaintext; else the SASL_SSL listener's certificate and users.
        self.security = security
        self.heap = heap
        self.cluster_id = new_cluster_id()
        self._base = Path(tempfile.mkdtemp(prefix="postroom-kafka-", dir=base_dir))
        self.nodes = [
            KafkaNode(n, free_port(), free_port(), self._base / f"node-{n}")
            for n in range(1, size + 1)
        ]
        self.startup_seconds = 0.0

    @property
    def bootstrap_servers(self) -> str:
        return ",".join(node.address for node in self.nodes)

    @property
    def pid(self) -> int | None:
        """The first node's process (the only one in a one-node cluster)."""
        return self.nodes[0].pid

    @property
    def pids(self) -> list[int]:
        return [node.pid for node in self.nodes if node.pid is not None]

    def client_security(self, user: str | None = None) -> KafkaSecurity:
        """What a client of this cluster passes: plaintext, or SASL_SSL as ``user``
        (the brokers' own user when None)."""
        if self.security is None:
            return KafkaSecurity()
        return self.security.client(user or self.security.broker_user)

    def rss_bytes(self) -> dict[int, int]:
        """Resident memory of each running node, by node id."""
        return {node.node_id: rss_bytes(node.pid) for node in self.nodes if node.pid}

    def node(self, node_id: int) -> KafkaNode:
        return next(node for node in self.nodes if node.node_id == node_id)

    def _properties(self, node: KafkaNode) -> dict[str, str]:
        voters = ",".join(f"{n.node_id}@127.0.0.1:{n.controller_port}" for n in self.nodes)
        client = "PLAINTEXT" if self.security is None else "SASL_SSL"
        secured = self.security.broker_properties() if self.security is not None else {}
        return {
            "process.roles": "broker,controller",
            "node.id": str(node.node_id),
            "controller.quorum.voters": voters,
            "listeners": (
                f"{client}://127.0.0.1:{node.port},CONTROLLER://127.0.0.1:{node.controller_port}"
            ),
            "advertised.listeners": f"{client}://127.0.0.1:{node.port}",
            "log.dirs": str(node.directory / "data"),
            **_COMMON,
            **_replication(self.size),
            **secured,
        }

    def _format(self, node: KafkaNode) -> JavaServer:
        """Write the node's configuration and start formatting its log directory."""
        node.directory.mkdir(parents=True)
        lines = [f"{key}={value}" for key, value in self._properties(node).items()]
        node.config_file.write_text("\n".join(lines) + "\n")
        tool = JavaServer(
            "kafka.tools.StorageTool",
            [
                "format",
                "--cluster-id",
                self.cluster_id,
                "--config",
                str(node.config_file),
                *(self.security.format_arguments() if self.security is not None else []),
            ],
            log_file=node.directory / "format.log",
            heap="128m",
        )
        tool.start()
        return tool

    def _format_all(self) -> None:
        tools = [(node, self._format(node)) for node in self.nodes]  # in parallel
        for node, tool in tools:
            assert tool.process is not None
            if tool.process.wait(timeout=120) != 0:
                raise StackError(f"formatting Kafka node {node.node_id} failed:\n{tool.log_tail()}")

    def start(self) -> KafkaCluster:
        """Format every node, start them all, and wait until every broker is registered."""
        began = time.monotonic()
        try:
            self._format_all()
            for node in self.nodes:
                self._launch(node)
            for node in self.nodes:
                self._wait_listening(node)
            self.wait_registered(len(self.nodes))
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - began
        return self

    def _launch(self, node: KafkaNode) -> None:
        node.server = JavaServer(
            "kafka.Kafka",
            [str(node.config_file)],
            log_file=node.directory / "server.log",
            heap=self.heap,
        )
        node.server.start()

    def _wait_listening(self, node: KafkaNode, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        assert node.server is not None
        while time.monotonic() < deadline:
            if node.server.exited() is not None:
                raise StackError(
                    f"Kafka node {node.node_id} exited ({node.server.exited()}):\n"
                    f"{node.server.log_tail()}"
                )
            if wait_for_port(node.port, timeout=0.2):
                return
        raise StackError(
            f"Kafka node {node.node_id} did not listen on {node.address} within "
            f"{timeout:.0f} s:\n{node.server.log_tail()}"
        )

    def wait_registered(self, count: int, timeout: float = 90.0) -> None:
        """Wait until ``count`` brokers are alive in the cluster's metadata."""
        from kafka.admin import KafkaAdminClient

        deadline = time.monotonic() + timeout
        seen = 0
        while time.monotonic() < deadline:
            with contextlib.suppress(Exception):
                admin = KafkaAdminClient(
                    bootstrap_servers=self.bootstrap_servers,
                    **self.client_security().kafka_python(),
                    client_id="postroom-devstack",
                    request_timeout_ms=5000,
                )
                try:
                    seen = len(admin.describe_cluster()["brokers"])
                finally:
                    admin.close()
                if seen >= count:
                    return
            time.sleep(0.1)
        raise StackError(f"only {seen} of {count} Kafka brokers registered within {timeout} s")

    def kill(self, node_id: int) -> None:
        """SIGKILL one node, as a crash would; its data directory stays."""
        node = self.node(node_id)
        if node.server is not None:
            node.server.kill()
        node.server = None

    def start_node(self, node_id: int) -> None:
        """Start a stopped or killed node again on its ports and data."""
        node = self.node(node_id)
        if node.pid is not None:
            raise StackError(f"Kafka node {node_id} is running")
        self._launch(node)
        self._wait_listening(node)

    def leader_of(self, topic: str, partition: int = 0) -> int:
        """The node id leading ``topic``'s ``partition`` now."""
        from kafka.admin import KafkaAdminClient

        admin = KafkaAdminClient(
            bootstrap_servers=self.bootstrap_servers, **self.client_security().kafka_python()
        )
        try:
            (described,) = admin.describe_topics([topic])
        finally:
            admin.close()
        for entry in described["partitions"]:
            if entry["partition_index"] == partition:
                return int(entry["leader_id"])
        raise StackError(f"topic {topic!r} has no partition {partition}")

    def stop(self) -> None:
        """Stop every node by PID (controlled shutdown, SIGKILL after 15 s); delete the data."""
        stop_servers([node.server for node in self.nodes], grace=15.0)
        for node in self.nodes:
            node.server = None
        with contextlib.suppress(OSError):
            shutil.rmtree(self._base)
