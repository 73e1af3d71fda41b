"""Benchmark: hostile PDFs against the real server, and the broken-PDF corpus end to end.

Starts ``signet serve`` on 127.0.0.1 (fresh temp data dir, embedded SQLite and worker) and:

1. sends three hostile PDFs at once (a one-stream Flate bomb, a many-stream bomb, a page
   image of an odd page) several times over while two probes poll ``GET /healthz`` and
   ``GET /v1/signing-requests/{id}`` every 20 ms; prints their p50 / p99 / worst latency
   (target p99 < 100 ms) and the peak RSS of the server process and of its PDF workers;
2. submits every kind of the corpus (tests/pdf/intake/corpus.py) with ``POST
   /v1/signing-requests``, and for each accepted one sends it, signs it on the signing page,
   waits for the sealed final PDF and checks it with ``POST /signet/v1/verify``; prints the
   table kind → refused (with the reason) / sealed, with the same probes running.

It asserts nothing. The server is stopped by its pid whatever happens.
Run: ``.venv/bin/python bench/hostile.py`` (``--help`` lists the knobs).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from _util import HOST, Server, clean_env, free_port, percentile, proc_status_kib, signet_bin

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "pdf"))
from intake import corpus  # noqa: E402

PNG_1PX = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def _children(pid: int) -> list[int]:
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                found += [int(p) for p in fh.read().split()]
    return found


class Watch:
    """Probes and an RSS sampler running over a ``with`` block."""

    def __init__(self, base: str, key: str, request_id: str, pid: int) -> None:
        self.base, self.key, self.request_id, self.pid = base, key, request_id, pid
        self.latency: dict[str, list[float]] = {"healthz": [], "get": []}
        self.failures = 0
        self.server_peak = 0
        self.workers_peak = 0
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._probe, args=("healthz", "/healthz"), daemon=True),
            threading.Thread(
                target=self._probe, args=("get", f"/v1/signing-requests/{request_id}"), daemon=True
            ),
            threading.Thread(target=self._rss, daemon=True),
        ]

    def _probe(self, name: str, path: str) -> None:
        with httpx.Client(base_url=self.base, headers={"Authorization": self.key}) as client:
            while not self._stop.is_set():
                started = time.perf_counter()
                try:
                    ok = client.get(path, timeout=30).status_code == 200
                except httpx.HTTPError:
                    ok = False
                self.latency[name].append(time.perf_counter() - started)
                self.failures += not ok
                self._stop.wait(0.02)

    def _rss(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(OSError, KeyError):
                self.server_peak = max(self.server_peak, proc_status_kib(self.pid, "VmRSS") * 1024)
                workers = 0
                for child in _children(self.pid):
                    with contextlib.suppress(OSError, KeyError):
                        workers += proc_status_kib(child, "VmRSS") * 1024
                self.workers_peak = max(self.workers_peak, workers)
            self._stop.wait(0.005)

    def __enter__(self) -> Watch:
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        for t in self._threads:
            t.join()

    def report(self, title: str) -> None:
        print(f"\n{title}")
        for name, values in self.latency.items():
            if values:
                print(
                    f"  {name:8} n={len(values):5}  p50 {percentile(values, 50) * 1000:7.1f} ms  "
                    f"p99 {percentile(values, 99) * 1000:7.1f} ms  "
                    f"worst {max(values) * 1000:7.1f} ms  (target p99 < 100 ms)"
                )
        print(f"  probe failures: {self.failures}")
        print(
            f"  peak RSS: server {self.server_peak / 2**20:.0f} MiB, "
            f"PDF workers together {self.workers_peak / 2**20:.0f} MiB"
        )


def _body(pdf: bytes, name: str) -> dict:
    return {
        "name": name,
        "document": base64.b64encode(pdf).decode(),
        "recipients": [
            {"id": "temp_1", "first_name": "Ada", "last_name": "Lovelace",
             "email": "ada@example.com", "designation": "Signer", "order": 1}
        ],
        "fields": [
            {"type": "signature", "recipient_id": "temp_1", "page": 1,
             "position": {"x": 10, "y": 10, "width": 20, "height": 5}, "required": True}
        ],
    }  # fmt: skip


def _seal(client: httpx.Client, created: dict, timeout: float = 120) -> str:
    sid = created["id"]
    r = client.post(f"/v1/signing-requests/{sid}/send", timeout=60)
    if r.status_code != 200:
        return f"send {r.status_code}"
    rid = created["recipients"][0]["id"]
    page = client.get(f"/signing/{rid}")
    token = re.search(r'data-csrf="([^"]+)"', page.text)
    if page.status_code != 200 or not token:
        return f"signing page {page.status_code}"
    # Each page image, as a signer's browser would ask for them.
    for src in re.findall(r'src="([^"]+/\d+-800\.jpg)"', page.text)[:3]:
        client.get(src)
    body = {"consent": True, "values": {}, "signature": PNG_1PX, "signature_kind": "drawn"}
    r = client.post(f"/signing/{rid}/finish", json=body, headers={"X-Signet-CSRF": token[1]})
    if r.status_code != 200:
        return f"finish {r.status_code}: {r.text[:80]}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = client.get(f"/v1/signing-requests/{sid}")
        detail = r.json() if r.status_code == 200 else {}
        if detail.get("certificate", {}).get("generated"):
            url = detail["final_document_download_url"]
            final = client.get(url.replace(str(client.base_url).rstrip("/"), ""))
            verdict = client.post(
                "/signet/v1/verify", files={"file": ("f.pdf", final.content, "application/pdf")}
            ).json()
            ok = verdict.get("match") and verdict.get("pades", {}).get("intact")
            return "sealed, verifies" if ok else f"sealed, verify says {verdict}"
        time.sleep(0.2)
    return "not sealed in time"


def hostile_round(client: httpx.Client, pdfs: list[tuple[str, bytes]], rounds: int) -> None:
    def one(item: tuple[str, bytes]) -> str:
        name, data = item
        r = client.post("/v1/signing-requests", json=_body(data, name), timeout=300)
        return f"{name}: {r.status_code}"

    with ThreadPoolExecutor(len(pdfs)) as pool:
        for _ in range(rounds):
            print("  " + ", ".join(pool.map(one, pdfs)))


def run(tmp: Path, args: argparse.Namespace) -> None:
    # Rate limits off: the probes poll far faster than a client may, and a 429 is no latency.
    env = clean_env(
        SIGNET_DATA_DIR=str(tmp / "data"),
        SIGNET_LOG_LEVEL="warning",
        SIGNET_RATE_LIMITS_ENABLED="0",
    )
    key = subprocess.run(
        [signet_bin(), "api-keys", "create", "--name", "bench"],
        env=env, cwd=tmp, capture_output=True, text=True, check=True, timeout=60,
    ).stdout.strip()  # fmt: skip
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
    print("making the hostile files and the corpus ...", flush=True)
    kinds = {name: fn() for name, fn in corpus.KINDS.items()}
    hostile = [
        ("flate_bomb_one_stream", kinds["flate_bomb_one_stream"]),
        ("flate_bomb_many_streams", kinds["flate_bomb_many_streams"]),
        ("image_huge_dimensions", kinds["image_huge_dimensions"]),
    ]
    if args.worker_process:
        env["SIGNET_INLINE_WORKER"] = "0"
    _run_with(server, key, kinds, hostile, args, env, tmp)


def _run_with(
    server: Server,
    key: str,
    kinds: dict[str, bytes],
    hostile: list[tuple[str, bytes]],
    args: argparse.Namespace,
    env: dict[str, str],
    tmp: Path,
) -> None:
    with contextlib.ExitStack() as stack:
        stack.enter_context(server)
        client = stack.enter_context(
            httpx.Client(base_url=server.base_url, headers={"Authorization": key}, timeout=60)
        )
        if args.worker_process:
            log = stack.enter_context(open(tmp / "worker.log", "wb"))  # noqa: SIM115
            worker = subprocess.Popen(
                [signet_bin(), "worker"], env=env, cwd=tmp, stdout=log, stderr=subprocess.STDOUT
            )
            stack.callback(_stop, worker)
        _measure(server, client, key, kinds, hostile, args)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the worker we started, by its pid."""
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def _measure(
    server: Server,
    client: httpx.Client,
    key: str,
    kinds: dict[str, bytes],
    hostile: list[tuple[str, bytes]],
    args: argparse.Namespace,
) -> None:
    # The first create starts the PDF workers: a few seconds on a busy machine.
    r = client.post("/v1/signing-requests", json=_body(corpus.base(), "probe target"), timeout=120)
    r.raise_for_status()
    target = r.json()["id"]
    where = "a separate `signet worker`" if args.worker_process else "the server (inline)"
    print(f"signet serve pid {server.pid}; jobs (sealing) run in {where}; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")  # fmt: skip
    with Watch(server.base_url, key, target, server.pid) as idle:
        time.sleep(2)
    idle.report("idle, 2 s")
    print(f"\nthree hostile PDFs at once, {args.rounds} rounds:")
    with Watch(server.base_url, key, target, server.pid) as busy:
        hostile_round(client, hostile, args.rounds)
    busy.report("while the hostile PDFs were processed")
    print("\ncorpus, one file at a time (create → send → sign → seal → verify):")
    table: list[tuple[str, str]] = []
    with Watch(server.base_url, key, target, server.pid) as during:
        for name, data in kinds.items():
            r = client.post("/v1/signing-requests", json=_body(data, name), timeout=300)
            if r.status_code == 201:
                outcome = _seal(client, r.json())
            else:
                reason = r.text[:100].replace("\n", " ")
                outcome = f"refused {r.status_code}: {reason}"
            table.append((name, outcome))
            print(f"  {name:30} {outcome}", flush=True)
    during.report("while the corpus was submitted and sealed")
    refused = sum(o.startswith("refused") for _, o in table)
    sealed = sum(o == "sealed, verifies" for _, o in table)
    print(f"\ncorpus: {len(table)} kinds, {refused} refused, {sealed} sealed and verified, "
          f"{len(table) - refused - sealed} other")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds of three hostile PDFs")
    parser.add_argument(
        "--worker-process",
        action="store_true",
        help="run jobs (sealing) in a separate `signet worker`, as SIGNET_INLINE_WORKER=0 does",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs, data)")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    tmp = Path(tempfile.mkdtemp(prefix="signet-hostile-"))
    try:
        run(tmp, args)
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
