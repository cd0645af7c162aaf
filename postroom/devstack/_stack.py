"""The embedded stack: a private PostgreSQL and a broker, started and stopped together.

Used alike by ``postroom demo``, the CLI and the test fixtures. The broker is Apache Kafka
(one KRaft node) or Tansu: ``broker=`` chooses, else ``POSTROOM_BROKER``, else ``default``.
"""

from __future__ import annotations

from postroom.devstack._broker import Broker, BrokerKind, broker_kind
from postroom.devstack._embedded_broker import EmbeddedBroker
from postroom.devstack._embedded_postgres import EmbeddedPostgres
from postroom.devstack._kafka_cluster import KafkaCluster
from postroom.lifecycle import StartStop

__all__ = ["EmbeddedStack"]


def new_broker(kind: BrokerKind) -> Broker:
    """A stopped broker of ``kind``: Apache Kafka with one node, or Tansu."""
    return KafkaCluster(1) if kind == "kafka" else EmbeddedBroker()


class EmbeddedStack(StartStop):
    """``with EmbeddedStack() as stack:`` starts both servers and always stops both."""

    def __init__(self, *, broker: BrokerKind | None = None, default: BrokerKind = "kafka") -> None:
        self.broker_kind: BrokerKind = broker or broker_kind(default)
        self.postgres = EmbeddedPostgres()
        self.broker = new_broker(self.broker_kind)

    @property
    def bootstrap_servers(self) -> str:
        return self.broker.bootstrap_servers

    def start(self) -> EmbeddedStack:
        try:
            self.broker.start()
            self.postgres.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        try:
            self.postgres.stop()
        finally:
            self.broker.stop()
