"""The relay as users run it: ``python -m postroom.cli relay`` in a process of its own.

Its start time (process start -> "streaming" on stdout) and its RSS (Python + the JVM
inside it) are then the relay's alone, not the benchmark's.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from benchmarks._harness import rss_mb

__all__ = ["RelayProcess"]


class RelayProcess:
    """``postroom relay`` for ``sources`` (name -> database URL), stopped by its PID."""

    def __init__(
        self,
        sources: Sequence[tuple[str, str]],
        bootstrap_servers: str,
        *,
        aggregate_types: Sequence[str] = (),
        start_timeout: float = 120.0,
    ) -> None:
        self._sources = list(sources)
        self._bootstrap = bootstrap_servers
        self._aggregate_types = list(aggregate_types)
        self._timeout = start_timeout
        self._state = tempfile.TemporaryDirectory(prefix="bench-relay-")
        self._process: subprocess.Popen[str] | None = None
        self._streaming = threading.Event()
        self._output: list[str] = []
        #: seconds from process start until it printed "streaming"
        self.start_seconds = float("nan")

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    def rss_mib(self) -> float:
        return rss_mb(self.pid)

    def _read(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        for line in self._process.stdout:
            self._output.append(line.rstrip())
            if line.startswith("streaming"):
                self._streaming.set()

    def __enter__(self) -> RelayProcess:
        command = [sys.executable, "-m", "postroom.cli", "relay"]
        for name, url in self._sources:
            command += ["--source", f"{name}={url}"]
        for kind in self._aggregate_types:
            command += ["--aggregate-type", kind]
        command += ["--bootstrap-servers", self._bootstrap, "--state-dir", self._state.name]
        started = time.perf_counter()
        self._process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=Path(__file__).parents[1],
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        threading.Thread(target=self._read, daemon=True).start()
        if not self._streaming.wait(self._timeout):
            self.__exit__(None, None, None)
            tail = "\n".join(self._output[-20:])
            raise RuntimeError(f"the relay did not start streaming:\n{tail}")
        self.start_seconds = time.perf_counter() - started
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        process = self._process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        self._state.cleanup()
