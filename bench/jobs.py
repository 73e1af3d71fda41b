"""Benchmark: webhook deliveries through the job queue, on PostgreSQL, to a local receiver.

One run makes its own PostgreSQL schema (127.0.0.1:5432, user postgres, database ``test``;
``--pg-url`` to change), migrates it, and for 1 and then 4 worker processes
(``python -m signet worker``, default concurrency and poll interval unless told otherwise; the
first process is kept and three are added):

1. **throughput**: commits ``--events`` webhook events at once (one Firma webhook subscribed)
   while the workers are running and idle, and measures deliveries/s from the commit to the
   last delivery the receiver gets;
2. **latency**: commits one event at a time, paced at the rate just measured (for
   ``--latency-seconds``), and reports the delay from each commit (the state change) to the
   webhook's arrival at the receiver: median and p99.

The receiver is a threaded ``http.server`` on 127.0.0.1 in this process, answering 200 at
once. The schema is dropped at the end. It prints figures; it asserts nothing.

Run: ``.venv/bin/python bench/jobs.py`` (``--help`` lists the knobs).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import ROOT, clean_env, median, percentile, python_bin  # noqa: E402

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


class Receiver:
    """Answers 200 to every POST and notes when each event (by its ``data.i``) arrived."""

    def __init__(self) -> None:
        self.arrivals: dict[int, float] = {}
        self.requests = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                now = time.monotonic()
                index = json.loads(body)["data"]["i"]
                with receiver.lock:
                    receiver.requests += 1
                    receiver.arrivals.setdefault(index, now)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def count(self, indexes: range) -> int:
        with self.lock:
            return sum(1 for i in indexes if i in self.arrivals)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Bench:
    """The schema, the app state on it, one workspace with one webhook to the receiver."""

    def __init__(self, pg_url: str, data_dir: Path, receiver: Receiver) -> None:
        from signet.app import build_state
        from signet.config import Settings
        from signet.db import transaction
        from signet.migrate import upgrade_database
        from signet.models import Webhook
        from signet.workspaces.service import ensure_workspace

        self.admin = create_engine(pg_url)
        self.schema = f"signet_bench_{uuid.uuid4().hex[:10]}"
        with self.admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{self.schema}"'))
        self.url = f"{pg_url}?options=-csearch_path%3D{self.schema}"
        self.settings = Settings(
            data_dir=data_dir, database_url=self.url, secret_key=secrets.token_hex(16),
            inline_worker=False, webhook_allow_private=True,
        )  # fmt: skip
        self.state = build_state(self.settings)
        upgrade_database(self.state.db.engine)
        with transaction(self.state.db.write) as session:
            ws = ensure_workspace(session, "bench")
            hook = Webhook(company_id=ws.company_id, workspace_id=ws.id, format="firma",
                           url=receiver.url, events=["signing_request.updated"])  # fmt: skip
            session.add(hook)
            self.workspace_id = ws.id
        self.next_index = 0

    def emit(self, count: int) -> tuple[range, float]:
        """Commit ``count`` events in one transaction; (their indexes, commit time)."""
        from signet.db import transaction
        from signet.webhooks.events import emit

        first = self.next_index
        with transaction(self.state.db.write) as session:
            for i in range(first, first + count):
                emit(session, workspace_id=self.workspace_id,
                     event_type="signing_request.updated", firma_data={"i": i})  # fmt: skip
        self.next_index += count
        return range(first, first + count), time.monotonic()

    def pending_jobs(self) -> int:
        with self.state.db.read() as session:
            return int(
                session.execute(
                    text("SELECT count(*) FROM jobs WHERE state IN ('pending', 'running')")
                ).scalar_one()
            )

    def close(self) -> None:
        self.state.db.dispose()
        with self.admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{self.schema}" CASCADE'))
        self.admin.dispose()


def start_workers(bench: Bench, count: int, args: argparse.Namespace) -> list[subprocess.Popen]:
    env = clean_env(
        SIGNET_DATABASE_URL=bench.url,
        SIGNET_DATA_DIR=str(bench.settings.data_dir),
        SIGNET_SECRET_KEY=bench.settings.secret_key or "",
        SIGNET_WEBHOOK_ALLOW_PRIVATE="1",
        SIGNET_JOB_POLL_INTERVAL=str(args.poll_interval),
        SIGNET_WORKER_CONCURRENCY=str(args.concurrency),
    )
    argv = [python_bin(), "-m", "signet", "worker"]
    return [subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL) for _ in range(count)]  # fmt: skip


def stop_workers(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(5)


# The whole run stops waiting at this monotonic time (set from --budget in main).
END = float("inf")


def wait_for(receiver: Receiver, indexes: range, deadline: float) -> bool:
    deadline = min(deadline, END)
    while time.monotonic() < deadline:
        if receiver.count(indexes) == len(indexes):
            return True
        time.sleep(0.01)
    return False


def run_one(
    bench: Bench,
    receiver: Receiver,
    procs: list[subprocess.Popen],
    workers: int,
    args: argparse.Namespace,
) -> None:
    """Measure with ``workers`` processes (the ones already running are kept)."""
    print(f"\n{workers} worker process(es), {args.concurrency} thread(s) each, "
          f"poll interval {args.poll_interval} s", flush=True)  # fmt: skip
    procs += start_workers(bench, workers - len(procs), args)
    warm, _ = bench.emit(workers * args.concurrency * 2)  # every process up and polling
    if not wait_for(receiver, warm, time.monotonic() + args.start_timeout):
        print(f"  ! the workers did not start within {args.start_timeout:.0f} s")
        return
    time.sleep(args.poll_interval + 0.2)

    batch, committed = bench.emit(args.events)
    done = wait_for(receiver, batch, committed + args.timeout)
    with receiver.lock:
        last = max((receiver.arrivals[i] for i in batch if i in receiver.arrivals),
                   default=committed)  # fmt: skip
    got = receiver.count(batch)
    rate = got / max(last - committed, 1e-6)
    note = "" if done else f" (only {got} of {len(batch)} within {args.timeout} s)"
    took = last - committed
    if not got:
        print(f"  throughput   none delivered within {args.timeout} s")
        return
    print(f"  throughput   {rate:8.1f} deliveries/s   ({got} in {took:.2f} s){note}")

    drain_until = min(time.monotonic() + 15, END)
    while bench.pending_jobs() and time.monotonic() < drain_until:  # before the latency run
        time.sleep(0.05)
    if time.monotonic() + args.latency_seconds + 5 > END:
        print("  (latency skipped: out of --budget)")
        return
    pace = max(rate, 1.0)
    count = max(20, int(pace * args.latency_seconds))
    commits: dict[int, float] = {}
    start = time.monotonic()
    for n in range(count):
        time.sleep(max(0.0, start + n / pace - time.monotonic()))
        (index,), commits_at = bench.emit(1)
        commits[index] = commits_at
    wait_for(receiver, range(min(commits), max(commits) + 1), time.monotonic() + 15)
    with receiver.lock:
        arrived = receiver.arrivals
        delays = [arrived[i] - t for i, t in commits.items() if i in arrived]
    if delays:
        print(f"  latency      median {median(delays) * 1000:7.1f} ms   "
              f"p99 {percentile(delays, 99) * 1000:7.1f} ms   "
              f"({len(delays)} events at {pace:.1f}/s)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", default=os.environ.get("SIGNET_BENCH_PG_URL", DEFAULT_PG))
    parser.add_argument("--events", type=int, default=250, help="events in the throughput burst")
    parser.add_argument("--latency-seconds", type=float, default=4.0)
    parser.add_argument("--timeout", type=float, default=15.0, help="max seconds per burst")
    parser.add_argument("--start-timeout", type=float, default=45.0,
                        help="max seconds for worker processes to start")  # fmt: skip
    parser.add_argument(
        "--budget",
        type=float,
        default=90.0,
        help="seconds after which waiting stops (the run stays under 2 min)",
    )
    parser.add_argument("--concurrency", type=int, default=2, help="threads per worker process")
    parser.add_argument("--poll-interval", type=float, default=0.5, help="SIGNET_JOB_POLL_INTERVAL")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4])
    args = parser.parse_args()
    global END
    END = time.monotonic() + args.budget

    receiver = Receiver()
    with tempfile.TemporaryDirectory(prefix="signet-bench-jobs-") as tmp:
        bench = Bench(args.pg_url, Path(tmp), receiver)
        print(f"PostgreSQL schema {bench.schema}; receiver {receiver.url}")
        procs: list[subprocess.Popen] = []
        try:
            for workers in sorted(args.workers):
                if time.monotonic() + 20 > END:
                    print(f"\n{workers} worker process(es): skipped, out of --budget")
                    continue
                run_one(bench, receiver, procs, workers, args)
        finally:
            stop_workers(procs)
            bench.close()
            receiver.stop()
            print(f"\nschema {bench.schema} dropped; {receiver.requests} requests received")


if __name__ == "__main__":
    main()
