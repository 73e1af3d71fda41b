"""A Signet cluster of real processes on 127.0.0.1, for the scale-out tests and ``bench/scale.py``.

Each *node* has its own ``SIGNET_DATA_DIR``, its own ``signet serve`` (optionally
``--workers N``) and its own ``signet worker`` processes; all share one database (a PostgreSQL
database made for the cluster and dropped at the end, or one SQLite file), one blob store (a
SeaweedFS S3 server started here, or one local directory), one ``SIGNET_SECRET_KEY``, one seal
key (a PKCS#12 made here, as an operator of several hosts must provide: a key generated into each
data dir would differ from node to node), an SMTP sink and, when a test wants one, a webhook
receiver. Every process runs in a session of its own, so stopping one (SIGTERM, then SIGKILL
after a grace period) reaches the processes uvicorn forks for ``--workers``, and nothing else.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PG_URL = os.environ.get("SIGNET_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SECRET = "cluster-shared-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pg_problem() -> str | None:
    """Why PostgreSQL cannot be used (None when it can)."""
    try:
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001
        return str(exc).splitlines()[0]
    return None


class PgDatabase:
    """A PostgreSQL database of its own (``signet_nodes_<random>``), dropped by ``drop()``."""

    def __init__(self, prefix: str = "signet_nodes") -> None:
        self.name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        self._admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with self._admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))

    @property
    def url(self) -> str:
        return make_url(PG_URL).set(database=self.name).render_as_string(hide_password=False)

    def drop(self) -> None:
        with self._admin.connect() as conn:
            # FORCE: a SIGKILLed process's connections may linger for a moment.
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self._admin.dispose()


# --------------------------------------------------------------------------- seal key


def make_seal_p12(path: Path) -> Path:
    """A self-signed EC seal key and certificate as an unencrypted PKCS#12, shared by all nodes."""
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec
    from fixtures.seal_p12 import self_signed_p12

    key = ec.generate_private_key(ec.SECP256R1())
    constraints = x509.BasicConstraints(ca=False, path_length=None)
    path.write_bytes(
        self_signed_p12(key, "Signet cluster test seal", extensions=((constraints, True),))
    )
    return path


# --------------------------------------------------------------------------- SMTP sink


class SmtpSink:
    """A real SMTP server (aiosmtpd) on a free port that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()
        self._controller: Any = None
        self.port = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        msg = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.messages.append(msg)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def snapshot(self) -> list[EmailMessage]:
        with self._lock:
            return list(self.messages)

    def to(self, address: str, email_type: str | None = None) -> list[EmailMessage]:
        return [
            m
            for m in self.snapshot()
            if address.lower() in str(m["To"]).lower()
            and (email_type is None or m["X-Signet-Email-Type"] == email_type)
        ]


# --------------------------------------------------------------------------- processes


def signet_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "signet", *args]


@dataclass
class Proc:
    """One process we started (in a session of its own), with its log file."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def signal_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, sig)

    def kill(self) -> None:
        """SIGKILL the process and the processes it forked (uvicorn's workers)."""
        self.signal_group(signal.SIGKILL)
        self.popen.wait(10)

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM, then SIGKILL after ``grace`` seconds; either way the whole group."""
        if self.alive():
            self.signal_group(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(grace)
        # Also any child left behind by a parent that exited.
        self.signal_group(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(10)

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def pids(self) -> list[int]:
        """This process and its children (uvicorn's worker processes)."""
        found = [self.pid]
        task_dir = Path(f"/proc/{self.pid}/task")
        try:
            for task in task_dir.iterdir():
                found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
        return found


def spawn(name: str, args: list[str], env: dict[str, str], log: Path) -> Proc:
    with log.open("ab") as out:
        popen = subprocess.Popen(
            args,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    return Proc(name, popen, log)


@dataclass
class Node:
    """One host's worth of Signet: a data dir, an API server and job workers."""

    name: str
    data_dir: Path
    env: dict[str, str]
    api_processes: int = 1
    workers: int = 1  # `signet worker` processes
    worker_concurrency: int = 2
    port: int = field(default_factory=free_port)
    serve: Proc | None = None
    worker_procs: list[Proc] = field(default_factory=list)
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def node_env(self) -> dict[str, str]:
        return {
            **self.env,
            "SIGNET_DATA_DIR": str(self.data_dir),
            "SIGNET_PORT": str(self.port),
            "SIGNET_BASE_URL": self.url,
        }

    def start_serve(self) -> Proc:
        args = signet_command("serve", "--port", str(self.port))
        if self.api_processes > 1:
            args += ["--workers", str(self.api_processes)]
        self.starts += 1
        log = self.data_dir / f"serve-{self.starts}.log"
        self.serve = spawn(f"{self.name}-serve", args, self.node_env(), log)
        return self.serve

    def start_workers(self) -> list[Proc]:
        self.worker_procs = []
        for _ in range(self.workers):
            self.add_worker()
        return self.worker_procs

    def add_worker(self) -> Proc:
        """One more ``signet worker`` process on this node."""
        self.starts += 1
        i = len(self.worker_procs)
        proc = spawn(
            f"{self.name}-worker{i}",
            signet_command("worker", "--concurrency", str(self.worker_concurrency)),
            self.node_env(),
            self.data_dir / f"worker{i}-{self.starts}.log",
        )
        self.worker_procs.append(proc)
        return proc

    def wait_workers_running(self, timeout: float = 120.0) -> None:
        """Until every worker process has passed its start-up (seal self-test included)."""
        deadline = time.monotonic() + timeout
        for proc in self.worker_procs:
            while "worker running" not in proc.tail():
                if not proc.alive():
                    raise RuntimeError(f"{proc.name} exited:\n{proc.tail()}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{proc.name} not running in {timeout}s:\n{proc.tail()}")
                time.sleep(0.1)

    def stop_serve(self, grace: float = 10.0) -> None:
        if self.serve is not None:
            self.serve.stop(grace)
            self.serve = None

    def stop_workers(self, grace: float = 10.0) -> None:
        for proc in self.worker_procs:
            proc.signal_group(signal.SIGTERM)
        for proc in self.worker_procs:
            proc.stop(grace)
        self.worker_procs = []

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.start_serve()
        self.start_workers()

    def wait_ready(self, timeout: float = 120.0) -> None:
        """Until ``/readyz`` answers 200 and the worker processes are still running."""
        assert self.serve is not None
        deadline = time.monotonic() + timeout
        while True:
            if not self.serve.alive():
                raise RuntimeError(f"{self.serve.name} exited:\n{self.serve.tail()}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.url} not ready in {timeout}s:\n{self.serve.tail()}")
            time.sleep(0.2)
        for proc in self.worker_procs:
            if not proc.alive():
                raise RuntimeError(f"{proc.name} exited:\n{proc.tail()}")

    def processes(self) -> list[Proc]:
        return [p for p in [self.serve, *self.worker_procs] if p is not None]

    def stop(self, grace: float = 10.0) -> None:
        for proc in self.processes():
            proc.signal_group(signal.SIGTERM)
        for proc in self.processes():
            proc.stop(grace)


class Cluster:
    """Nodes sharing one database, blob store, secret, seal key and SMTP sink.

    ``database``: ``postgresql`` (a database of its own) or ``sqlite`` (one file);
    ``storage``: ``s3`` (a SeaweedFS server started here) or ``local`` (one directory).
    Use as a context manager: everything it started is stopped, and the database dropped.
    """

    def __init__(
        self,
        root: Path,
        *,
        nodes: int = 2,
        database: str = "postgresql",
        storage: str = "s3",
        api_processes: int = 1,
        workers: int = 1,
        worker_concurrency: int = 2,
        env: dict[str, str] | None = None,
    ) -> None:
        self.root = root
        self.database = database
        self.storage = storage
        self.node_count = nodes
        self.api_processes = api_processes
        self.workers = workers
        self.worker_concurrency = worker_concurrency
        self.extra_env = env or {}
        self.smtp = SmtpSink()
        self.pg: PgDatabase | None = None
        self.seaweed: Any = None
        self.nodes: list[Node] = []
        self.key = ""

    # -- lifecycle

    def __enter__(self) -> Cluster:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _database_url(self) -> str:
        if self.database == "postgresql":
            self.pg = PgDatabase()
            return self.pg.url
        return f"sqlite:///{self.root / 'shared.db'}"

    def _storage_url(self) -> str:
        if self.storage == "s3":
            from storage.seaweed import SeaweedS3

            self.seaweed = SeaweedS3(self.root / "seaweed")
            self.seaweed.start()
            return str(self.seaweed.url(self.seaweed.create_bucket(), prefix="cluster"))
        return (self.root / "blobs").as_uri()

    def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.smtp.start()
        base = {k: v for k, v in os.environ.items() if not k.startswith("SIGNET_")}
        self.env = {
            **base,
            "SIGNET_DATABASE_URL": self._database_url(),
            "SIGNET_STORAGE_URL": self._storage_url(),
            "SIGNET_SECRET_KEY": SECRET,
            "SIGNET_SEAL_P12": str(make_seal_p12(self.root / "seal.p12")),
            "SIGNET_SMTP_URL": f"smtp://127.0.0.1:{self.smtp.port}",
            "SIGNET_MAIL_FROM": "Signet Cluster <signet@example.com>",
            "SIGNET_INLINE_WORKER": "0",
            "SIGNET_WEBHOOK_ALLOW_PRIVATE": "1",
            "SIGNET_RATE_LIMITS_ENABLED": "0",
            "SIGNET_LOG_LEVEL": "warning",
            "SIGNET_JOB_POLL_INTERVAL": "0.1",
            "SIGNET_JOB_LEASE_SECONDS": "6",
            "SIGNET_RETRY_BASE_SECONDS": "0.5",
            **self.extra_env,
        }
        admin = {**self.env, "SIGNET_DATA_DIR": str(self.root / "admin")}
        # One migration before any node starts, as the README's upgrade procedure says.
        subprocess.run(signet_command("migrate"), env=admin, check=True, capture_output=True)
        created = subprocess.run(
            signet_command("api-keys", "create", "--name", "cluster"),
            env=admin,
            check=True,
            capture_output=True,
            text=True,
        )
        self.key = created.stdout.strip().splitlines()[-1]
        for i in range(self.node_count):
            self.nodes.append(
                Node(
                    name=f"node{i + 1}",
                    data_dir=self.root / f"node{i + 1}",
                    env=self.env,
                    api_processes=self.api_processes,
                    workers=self.workers,
                    worker_concurrency=self.worker_concurrency,
                )
            )
        for node in self.nodes:
            node.start()
        for node in self.nodes:
            node.wait_ready()

    def close(self) -> None:
        for node in self.nodes:
            node.stop()
        if self.seaweed is not None:
            self.seaweed.stop()
            self.seaweed = None
        if self.pg is not None:
            self.pg.drop()
            self.pg = None
        self.smtp.stop()

    # -- helpers

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": self.key}

    def client(self, node: int = 0, timeout: float = 60.0) -> httpx.Client:
        return httpx.Client(base_url=self.nodes[node].url, headers=self.headers, timeout=timeout)

    def subscribe(self, url: str, events: list[str]) -> None:
        """A Firma webhook of the cluster's workspace for ``events`` (made through node 1)."""
        with self.client(0) as http:
            r = http.post("/v1/webhooks", json={"url": url, "events": events})
            assert r.status_code == 201, r.text

    def _rows(self, sql: str) -> list[Any]:
        engine = create_engine(self.env["SIGNET_DATABASE_URL"])
        try:
            with engine.connect() as conn:
                return list(conn.execute(text(sql)).all())
        finally:
            engine.dispose()

    def unfinished_jobs(self) -> list[tuple[str, str, int]]:
        """(kind, state, attempts) of every job due, running or dead (a request's expiry waits
        for its date and is left out)."""
        rows = self._rows(
            "SELECT kind, state, attempts FROM jobs WHERE state IN ('running', 'dead') "
            "OR (state = 'pending' AND run_at <= CURRENT_TIMESTAMP)"
        )
        return [(str(r[0]), str(r[1]), int(r[2])) for r in rows]

    def seal_counts(self) -> Counter[str]:
        """Request id → how many times it was sealed (its ``certificate_generated`` events)."""
        rows = self._rows(
            "SELECT signing_request_id, count(*) FROM audit_events "
            "WHERE event = 'certificate_generated' GROUP BY signing_request_id"
        )
        return Counter({str(r[0]): int(r[1]) for r in rows})

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.tail()}" for n in self.nodes for p in n.processes())


def wait_until(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout}s")
        time.sleep(0.1)
