"""The Java side of the local stack: where the jars are, and how a JVM server is started.

``scripts/bootstrap`` copies Apache Kafka (broker and Kafka Connect) and the Debezium
PostgreSQL connector plugin from Maven Central into ``.cache/jvm/`` at the repository's
root; ``POSTROOM_JVM_CACHE`` points elsewhere. Each server is one ``java`` process whose
output goes to a log file next to its data, so that a failed start can say why.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
from collections.abc import Sequence
from pathlib import Path

from postroom.devstack._processes import stop_pid
from postroom.errors import StackError

__all__ = ["JavaServer", "jvm_cache_dir", "kafka_classpath", "plugin_path", "stop_servers"]

_REPOSITORY = Path(__file__).resolve().parents[2]
_LOG4J2 = Path(__file__).resolve().parent / "resources" / "log4j2.properties"


def jvm_cache_dir() -> Path:
    """The directory ``scripts/bootstrap`` fills with jars."""
    return Path(os.environ.get("POSTROOM_JVM_CACHE", _REPOSITORY / ".cache" / "jvm"))


def _jars(directory: Path, what: str) -> list[Path]:
    jars = sorted(directory.glob("*.jar"))
    if not jars:
        raise StackError(
            f"{what} is not installed: no jars in {directory}. Run scripts/bootstrap "
            "(it fetches them from Maven Central), or set POSTROOM_JVM_CACHE, or use "
            "POSTROOM_BROKER=tansu to run without Apache Kafka"
        )
    return jars


def kafka_classpath() -> str:
    """Apache Kafka's broker, tools and Kafka Connect runtime, with their dependencies."""
    return os.pathsep.join(str(jar) for jar in _jars(jvm_cache_dir() / "kafka", "Apache Kafka"))


def plugin_path() -> Path:
    """Kafka Connect's ``plugin.path``: one sub-directory per plugin (Debezium PostgreSQL)."""
    plugins = jvm_cache_dir() / "plugins"
    _jars(plugins / "debezium-connector-postgres", "The Debezium PostgreSQL connector plugin")
    return plugins


def _java() -> str:
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    if not java:
        raise StackError("no java on PATH (Apache Kafka needs Java 17+): run scripts/bootstrap")
    return java


class JavaServer:
    """One JVM process: ``main_class`` with ``args``, a small heap, output to ``log_file``."""

    def __init__(self, main_class: str, args: list[str], *, log_file: Path, heap: str) -> None:
        self.main_class = main_class
        self.args = args
        self.log_file = log_file
        self.heap = heap
        self.process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        return [
            _java(),
            f"-Xmx{self.heap}",
            "-Xms32m",
            "-Xss512k",
            # Two cores shared by several JVMs: few GC and compiler threads, fast start.
            "-XX:+UseSerialGC",
            "-XX:CICompilerCount=2",
            "-XX:TieredStopAtLevel=1",
            "-XX:+ExitOnOutOfMemoryError",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={_LOG4J2}",
            "-cp",
            kafka_classpath(),
            self.main_class,
            *self.args,
        ]

    def start(self) -> int:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(
                self.command(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        return self.process.pid

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def kill(self) -> None:
        """SIGKILL, as a crash would, and reap the process."""
        if self.process is not None:
            stop_pid(self.process.pid, grace=0.0, sig=signal.SIGKILL)
            self.process.wait()

    def exited(self) -> int | None:
        """The exit code if the process has ended, else None."""
        return self.process.poll() if self.process is not None else None

    def log_tail(self, lines: int = 30) -> str:
        if not self.log_file.exists():
            return ""
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])


def stop_servers(servers: Sequence[JavaServer | None], *, grace: float) -> None:
    """Stop every running server by PID: SIGTERM to all at once (each shuts down while the
    others do), then wait for each, SIGKILL after ``grace`` seconds."""
    running = [server for server in servers if server is not None and server.process]
    for server in running:
        assert server.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.kill(server.process.pid, signal.SIGTERM)
    for server in running:
        assert server.process is not None
        stop_pid(server.process.pid, grace=grace)
        server.process.wait()
