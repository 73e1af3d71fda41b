"""A PostgreSQL cluster of a test's own: ``initdb`` into a fresh directory, ``pg_ctl`` on a free
127.0.0.1 port, trust authentication. Unlike the machine's shared server on 5432, a test may stop
this one (``pg_ctl stop -m immediate``: the postmaster and every backend die at once, as in a crash
or a failover) and start it again on the same port and data.

PostgreSQL refuses to run as root: when the tests run as root, ``initdb`` and ``pg_ctl`` run as
the ``postgres`` user (``runuser``), in a directory that user owns.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pg_bin_dir() -> Path | None:
    """The newest ``/usr/lib/postgresql/<version>/bin`` with initdb and pg_ctl, or the one of
    ``pg_ctl`` on PATH."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


def unavailable_reason() -> str | None:
    """Why a cluster of our own cannot be made here (None when it can)."""
    if pg_bin_dir() is None:
        return "no PostgreSQL server binaries (initdb, pg_ctl)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no postgres user to run PostgreSQL as"
        if shutil.which("runuser") is None:
            return "running as root and runuser is missing"
    return None


class OwnPostgres:
    """One cluster in a temporary directory; ``destroy()`` stops it and removes the directory."""

    def __init__(self) -> None:
        bin_dir = pg_bin_dir()
        assert bin_dir is not None, unavailable_reason()
        self.bin = bin_dir
        self.port = free_port()
        # Not under pytest's tmp_path: that tree is private to the user running the tests.
        self.root = Path(tempfile.mkdtemp(prefix="signet-outage-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            owner = pwd.getpwnam("postgres")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        argv = [str(self.bin / args[0]), *args[1:]]
        if self._as_postgres:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        return subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout, cwd=self.root, check=False
        )

    def init(self) -> None:
        done = self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
            "--no-sync", "--locale=C",
        )  # fmt: skip
        assert done.returncode == 0, done.stderr

    def start(self) -> None:
        # Only TCP on 127.0.0.1, and the socket file in our own directory, not /var/run.
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off"
        done = self._run(
            "pg_ctl", "start", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
            "-o", options,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr + done.stdout + self._log_tail()
        self._wait_ready()

    def stop_immediately(self) -> None:
        """Every connection dies at once, no checkpoint: the next start recovers from the WAL."""
        done = self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", "-w")
        assert done.returncode == 0, done.stderr + done.stdout

    def running(self) -> bool:
        return self._run("pg_ctl", "status", "-D", str(self.data)).returncode == 0

    def destroy(self) -> None:
        if self.data.exists() and self.running():
            self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", "-w")
        shutil.rmtree(self.root, ignore_errors=True)

    def _wait_ready(self, timeout: float = 30) -> None:
        engine = create_engine(self.url, connect_args={"connect_timeout": 2})
        deadline = time.monotonic() + timeout
        try:
            while True:
                try:
                    with engine.connect() as conn:
                        conn.execute(text("SELECT 1"))
                    return
                except Exception:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
        finally:
            engine.dispose()

    def _log_tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-2000:]
        except OSError:
            return ""
