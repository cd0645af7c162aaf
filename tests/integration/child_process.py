"""A Python module run as its own OS process, as production runs it, for crash tests:
its output collected line by line (with the time each line arrived), stopped by PID."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time

from postroom.devstack import stop_pid


class ChildProcess:
    """``python -m MODULE ARGS...``: ``start``, ``wait_for_line``, ``kill`` (SIGKILL),
    ``terminate`` (SIGTERM, wait), ``stop`` (by PID, SIGKILL after a grace period)."""

    def __init__(self, module: str, *args: str) -> None:
        self.command = [sys.executable, "-m", module, *args]
        self.lines: queue.Queue[tuple[float, str]] = queue.Queue()
        self.output: list[str] = []
        self.arrivals: list[float] = []  # when each line of ``output`` arrived
        self.process: subprocess.Popen[str] | None = None
        self.started_at = 0.0
        self.matched_at = 0.0

    def launch(self) -> None:
        """Start the process; do not wait for anything."""
        self.started_at = time.monotonic()
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
                self.lines.put((time.monotonic(), line.rstrip("\n")))

        threading.Thread(target=pump, daemon=True).start()

    def wait_for_line(self, prefix: str, *, timeout: float) -> str:
        """Wait for a line starting with ``prefix`` (or take one already read) and return
        it; ``matched_at`` is when it arrived (monotonic)."""
        for at, line in zip(self.arrivals, self.output, strict=True):
            if line.startswith(prefix):
                self.matched_at = at
                return line
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                at, line = self.lines.get(timeout=0.2)
            except queue.Empty:
                if self.process is not None and self.process.poll() is not None:
                    break
                continue
            self.output.append(line)
            self.arrivals.append(at)
            if line.startswith(prefix):
                self.matched_at = at
                return line
        raise AssertionError(
            f"{self.command[2]} did not print {prefix!r} in {timeout} s; output:\n"
            + "\n".join(self.output[-40:])
        )

    def drain(self) -> list[str]:
        """Every line the process printed so far."""
        while True:
            try:
                at, line = self.lines.get_nowait()
            except queue.Empty:
                return self.output
            self.output.append(line)
            self.arrivals.append(at)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def exit_code(self) -> int | None:
        """None while it runs."""
        return None if self.process is None else self.process.poll()

    def kill(self) -> None:
        """kill -9: no flush, no offset commit, no goodbye."""
        os.kill(self.pid, signal.SIGKILL)
        assert self.process is not None
        self.process.wait(30)

    def terminate(self, timeout: float = 60.0) -> int:
        """SIGTERM, and wait for a clean exit; returns the exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            stop_pid(self.pid, grace=20.0)
            self.process.wait(30)
