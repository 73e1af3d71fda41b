"""Benchmark: /healthz latency while multi-MB JSON creates are posted.

Starts ``signet serve`` on 127.0.0.1 (fresh temp data dir, embedded SQLite and worker) and:

1. measures ``GET /healthz`` every 20 ms for a few seconds with nothing else running (idle);
2. posts ``--rounds`` creates of about ``--mb`` MB each from ``--posters`` clients at once, half
   ``POST /v1/signing-requests`` with a base64 PDF inside the JSON, half with thousands of fields
   (refused by the field limit, but parsed and validated first), while the same probe runs;

and prints the probe's p50 / p99 / worst latency for both phases and the creates' own latency.
Bodies over 256 KiB are parsed and validated in a worker thread (``signet.api.body``); on the
event loop each one would stall every other request for as long as it takes.

It asserts nothing. The server is stopped by its pid whatever happens.
Run: ``.venv/bin/python bench/big_json.py`` (``--help`` lists the knobs).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from _util import HOST, Server, clean_env, free_port, padded_pdf, percentile, signet_bin


def pdf_body(mb: float, seed: int) -> bytes:
    pdf = padded_pdf(int(mb * 1024 * 1024 * 3 / 4), seed)
    return json.dumps(
        {
            "name": f"Big create {seed}",
            "document": base64.b64encode(pdf).decode(),
            "recipients": [
                {"id": "temp_1", "first_name": "Ada", "email": "ada@example.com"},
            ],
            "fields": [
                {
                    "type": "signature",
                    "recipient_id": "temp_1",
                    "page_number": 1,
                    "position": {"x": 10, "y": 80, "width": 30, "height": 10},
                }
            ],
        }
    ).encode()


def fields_body(mb: float, seed: int) -> bytes:
    field = {
        "type": "text",
        "recipient_id": "temp_1",
        "page_number": 1,
        "position": {"x": 10, "y": 10, "width": 20, "height": 5},
        "variable_name": "a_field_with_a_name",
    }
    one = len(json.dumps(field)) + 2
    return json.dumps(
        {
            "name": f"Many fields {seed}",
            "recipients": [{"id": "temp_1", "first_name": "Ada", "email": "ada@example.com"}],
            "fields": [field] * int(mb * 1024 * 1024 / one),
        }
    ).encode()


class Probe:
    """GET /healthz every ``interval`` seconds in a thread; latencies in ms."""

    def __init__(self, base: str, interval: float = 0.02) -> None:
        self.base, self.interval = base, interval
        self.latency: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=60) as client:
            while not self._stop.is_set():
                start = time.perf_counter()
                client.get("/healthz").raise_for_status()
                self.latency.append((time.perf_counter() - start) * 1000)
                self._stop.wait(self.interval)

    def __enter__(self) -> Probe:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def summary(name: str, values: list[float]) -> str:
    if not values:
        return f"{name:<34} no samples"
    return (
        f"{name:<34} n={len(values):<5} p50 {percentile(values, 50):7.1f} ms   "
        f"p99 {percentile(values, 99):7.1f} ms   worst {max(values):7.1f} ms"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=float, default=5.0, help="size of each JSON body, MB")
    ap.add_argument("--rounds", type=int, default=10, help="creates to post")
    ap.add_argument("--posters", type=int, default=2, help="creates in flight at once")
    ap.add_argument("--idle", type=float, default=3.0, help="seconds of idle probing")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="signet-bench-") as tmp_name:
        tmp = Path(tmp_name)
        env = clean_env(SIGNET_DATA_DIR=str(tmp / "data"), SIGNET_LOG_LEVEL="warning")
        key = subprocess.run(
            [signet_bin(), "api-keys", "create", "--name", "bench"],
            env=env,
            cwd=tmp,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout.strip()
        bodies = [
            pdf_body(args.mb, i) if i % 2 == 0 else fields_body(args.mb, i)
            for i in range(args.rounds)
        ]
        port = free_port()
        server = Server(
            "signet serve",
            [signet_bin(), "serve", "--host", HOST, "--port", str(port)],
            port,
            env=env,
            cwd=tmp,
            log_path=tmp / "signet.log",
            health_path="/healthz",
        )
        with server:
            print(
                f"signet serve pid {server.pid}; {args.rounds} bodies of ~{args.mb} MB; "
                f"load average {os.getloadavg()[0]:.1f} (figures scale with it)"
            )
            with Probe(server.base_url) as idle:
                time.sleep(args.idle)
            creates: list[tuple[str, int, float]] = []

            def post(body: bytes) -> None:
                kind = "base64 PDF" if b'"document"' in body[:200] else "many fields"
                start = time.perf_counter()
                r = httpx.post(
                    f"{server.base_url}/v1/signing-requests",
                    content=body,
                    headers={"Authorization": key, "Content-Type": "application/json"},
                    timeout=300,
                )
                creates.append((kind, r.status_code, (time.perf_counter() - start) * 1000))

            with Probe(server.base_url) as busy, ThreadPoolExecutor(args.posters) as pool:
                list(pool.map(post, bodies))
        print(summary("GET /healthz, idle", idle.latency))
        print(summary("GET /healthz, during big creates", busy.latency))
        for kind in ("base64 PDF", "many fields"):
            done = [c for c in creates if c[0] == kind]
            codes = sorted({c[1] for c in done})
            print(summary(f"POST create, {kind} ({codes})", [c[2] for c in done]))


if __name__ == "__main__":
    main()
