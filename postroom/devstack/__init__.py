"""Local servers for tests, benchmarks and the demo: PostgreSQL with logical decoding and a
Kafka-protocol broker, on free 127.0.0.1 ports, stopped by PID. Never used in production."""

from postroom.devstack._embedded_broker import EmbeddedBroker
from postroom.devstack._embedded_postgres import EmbeddedPostgres
from postroom.devstack._processes import free_port, pid_alive, stop_pid, wait_for_port
from postroom.devstack._stack import EmbeddedStack
from postroom.errors import StackError

__all__ = [
    "EmbeddedBroker",
    "EmbeddedPostgres",
    "EmbeddedStack",
    "StackError",
    "free_port",
    "pid_alive",
    "stop_pid",
    "wait_for_port",
]
