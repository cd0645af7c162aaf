"""Run ``postroom relay`` as a separate OS process, as production does, for crash tests."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from postroom.devstack import stop_pid


class RelayProcess:
    """``python -m postroom.cli relay ...``, its output collected, stopped by PID."""

    def __init__(
        self, sources: dict[str, str], bootstrap_servers: str, state_dir: Path, *extra: str
    ) -> None:
        self.command = [sys.executable, "-m", "postroom.cli", "relay"]
        for name, url in sources.items():
            self.command += ["--source", f"{name}={url}"]
        self.command += ["--bootstrap-servers", bootstrap_servers, "--state-dir", str(state_dir)]
        self.command += list(extra)
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        self.process: subprocess.Popen[str] | None = None

    def start(self, *, ready_timeout: float = 90.0) -> RelayProcess:
        self.process = subprocess.Popen(
            self.command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        stream = self.process.stdout
        assert stream is not None

        def pump() -> None:
            for line in stream:
                self.lines.put(line.rstrip("\n"))

        threading.Thread(target=pump, daemon=True).start()
        self.wait_for_line("streaming ", timeout=ready_timeout)
        return self

    def wait_for_line(self, prefix: str, *, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                if self.process is not None and self.process.poll() is not None:
                    break
                continue
            self.output.append(line)
            if line.startswith(prefix):
                return line
        raise AssertionError(
            f"the relay process did not print {prefix!r} in {timeout} s; output:\n"
            + "\n".join(self.output[-40:])
        )

    def drain(self) -> list[str]:
        """Every line the process printed so far."""
        while True:
            try:
                self.output.append(self.lines.get_nowait())
            except queue.Empty:
                return self.output

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def kill(self) -> None:
        """kill -9: no flush, no offset commit, no goodbye."""
        os.kill(self.pid, signal.SIGKILL)
        assert self.process is not None
        self.process.wait(30)

    def terminate(self, timeout: float = 60.0) -> int:
        """SIGTERM, and wait for a clean exit; returns the exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout)
        return code

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            stop_pid(self.pid, grace=20.0)
            self.process.wait(30)
