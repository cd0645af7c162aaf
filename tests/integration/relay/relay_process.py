"""Run ``postroom relay`` as a separate OS process, as production does, for crash tests."""

from __future__ import annotations

from pathlib import Path

from tests.integration.child_process import ChildProcess


class RelayProcess(ChildProcess):
    """``python -m postroom.cli relay ...``, its output collected, stopped by PID."""

    def __init__(
        self, sources: dict[str, str], bootstrap_servers: str, state_dir: Path, *extra: str
    ) -> None:
        args = ["relay"]
        for name, url in sources.items():
            args += ["--source", f"{name}={url}"]
        args += ["--bootstrap-servers", bootstrap_servers, "--state-dir", str(state_dir)]
        super().__init__("postroom.cli", *args, *extra)

    def start(self, *, ready_timeout: float = 90.0) -> RelayProcess:
        """Launch, and wait until every source streams."""
        self.launch()
        self.wait_for_line("streaming ", timeout=ready_timeout)
        return self
