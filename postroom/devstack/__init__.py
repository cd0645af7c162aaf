"""Local servers for tests, benchmarks and the demo: PostgreSQL with logical decoding,
Apache Kafka (one or three KRaft nodes) or Tansu, and Kafka Connect workers with the
Debezium PostgreSQL connector, on free 127.0.0.1 ports, stopped by PID. Never used in
production."""

from postroom.devstack._broker import BROKER_ENV, Broker, BrokerKind, broker_kind
from postroom.devstack._certificates import LocalCertificates
from postroom.devstack._embedded_broker import EmbeddedBroker
from postroom.devstack._embedded_postgres import EmbeddedPostgres, debian_postgres_bin
from postroom.devstack._kafka_cluster import BrokerSecurity, KafkaCluster, KafkaNode
from postroom.devstack._kafka_connect import ConnectCluster, ConnectWorker
from postroom.devstack._processes import free_port, pid_alive, rss_bytes, stop_pid, wait_for_port
from postroom.devstack._stack import EmbeddedStack
from postroom.errors import StackError

__all__ = [
    "BROKER_ENV",
    "Broker",
    "BrokerKind",
    "BrokerSecurity",
    "ConnectCluster",
    "ConnectWorker",
    "EmbeddedBroker",
    "EmbeddedPostgres",
    "EmbeddedStack",
    "KafkaCluster",
    "KafkaNode",
    "LocalCertificates",
    "StackError",
    "broker_kind",
    "debian_postgres_bin",
    "free_port",
    "pid_alive",
    "rss_bytes",
    "stop_pid",
    "wait_for_port",
]
