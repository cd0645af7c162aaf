"""An unreachable broker is one line within seconds, before anything is touched."""

from __future__ import annotations

import socket
import time

import pytest

from postroom.cli import require_broker
from postroom.errors import BrokerUnavailableError, ConfigurationError


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_closed_port_is_refused_at_once_and_named() -> None:
    port = closed_port()
    started = time.monotonic()
    with pytest.raises(BrokerUnavailableError) as caught:
        require_broker(f"127.0.0.1:{port}")
    assert time.monotonic() - started < 5
    assert str(caught.value).startswith(f"no Kafka broker answers at 127.0.0.1:{port} (")
    assert "check --bootstrap-servers (or POSTROOM_BOOTSTRAP_SERVERS)" in str(caught.value)
    assert caught.value.retriable


def test_one_listening_server_of_several_is_enough() -> None:
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        port = listening.getsockname()[1]
        require_broker(f"127.0.0.1:{closed_port()},127.0.0.1:{port}")


@pytest.mark.parametrize("servers", ["", "localhost", "host:port", ":9092", "a:1,"])
def test_a_malformed_server_list_is_a_configuration_error(servers: str) -> None:
    with pytest.raises(ConfigurationError, match="--bootstrap-servers wants HOST:PORT"):
        require_broker(servers)
