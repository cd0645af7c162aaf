"""Kafka at the command line's edge: answer fast when no broker is there.

kafka-python retries an unreachable bootstrap server for half a minute, logging each
attempt. Commands that need Kafka first call ``require_broker``, a plain TCP connect to
each bootstrap server with a short timeout, so a wrong address or a stopped broker is one
line within seconds, before anything (a replication slot, a consumer group) is touched.
``broker_errors`` maps what kafka-python raises later into ``BrokerUnavailableError``.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

from postroom.errors import (
    BrokerAuthenticationError,
    BrokerUnavailableError,
    ConfigurationError,
    PostroomError,
)
from postroom.kafka_security import login_refusals

__all__ = ["BROKER_TIMEOUT_S", "broker_errors", "require_broker"]

#: How long one bootstrap server may take to accept a TCP connection.
BROKER_TIMEOUT_S = 3.0

_FIX = "check --bootstrap-servers (or POSTROOM_BOOTSTRAP_SERVERS) and that the brokers are up"


def _addresses(bootstrap_servers: str) -> list[tuple[str, int]]:
    addresses = []
    for server in (s.strip() for s in bootstrap_servers.split(",")):
        host, sep, port = server.rpartition(":")
        if not server or not sep or not host or not port.isdigit():
            raise ConfigurationError(
                f"--bootstrap-servers wants HOST:PORT[,HOST:PORT...], got {bootstrap_servers!r}"
            )
        addresses.append((host.strip("[]"), int(port)))
    return addresses


def require_broker(bootstrap_servers: str, *, timeout: float = BROKER_TIMEOUT_S) -> None:
    """Return once one bootstrap server accepts a connection; else ``BrokerUnavailableError``."""
    failures = []
    for host, port in _addresses(bootstrap_servers):
        try:
            with socket.create_connection((host, port), timeout=timeout):
                return
        except OSError as exc:
            failures.append(f"{host}:{port} ({exc.strerror or exc})")
    raise BrokerUnavailableError(f"no Kafka broker answers at {', '.join(failures)}: {_FIX}")


@contextmanager
def broker_errors(bootstrap_servers: str) -> Iterator[None]:
    """Raise kafka-python's errors from the ``with`` block as Postroom errors; a refused
    TLS handshake or SASL login (which kafka-python only logs, then times out) is named."""
    from kafka.errors import KafkaConnectionError, KafkaError, KafkaTimeoutError, NodeNotReadyError

    with login_refusals() as refusals:
        try:
            yield
        except KafkaError as exc:
            if refusals:
                raise BrokerAuthenticationError(
                    f"Kafka at {bootstrap_servers} refused us: {refusals[-1]} "
                    "(check --kafka-* or POSTROOM_KAFKA_*)"
                ) from exc
            if isinstance(exc, KafkaConnectionError | KafkaTimeoutError | NodeNotReadyError):
                raise BrokerUnavailableError(
                    f"Kafka at {bootstrap_servers} did not answer in time ({exc}): {_FIX}"
                ) from exc
            raise PostroomError(f"Kafka at {bootstrap_servers} refused: {exc}") from exc
