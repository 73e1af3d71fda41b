"""Benchmark: creating signing requests and reading them back, against the real server.

One run starts ``signet serve`` as a subprocess on 127.0.0.1 (a fresh temp data dir, embedded
SQLite, ``SIGNET_LOG_LEVEL=warning`` like the bare app below; at its default ``info`` it writes
one access-log line per request), and measures:

1. creates/s of ``POST /v1/signing-requests`` with a 1-page reportlab PDF (a different one per
   request), one recipient and one field: a fixed number of requests with a few in flight from
   an async httpx client; median, p90, p99 and max latency;
2. the latency of one create with a ~20 MB PDF (20 MiB at most, decoded), repeated with a
   different file each time so content-addressed dedupe cannot short-circuit it, and the
   server's RSS: before, peak during (kernel VmHWM reset before each request through
   /proc/<pid>/clear_refs, cross-checked by a 5 ms VmRSS sampler), as multiples of the file;
3. the floor for that create, timed in this process right after each create: base64-decoding
   the same text (strictly, as the server does), SHA-256 hashing the bytes and writing them with
   fsync (as the blob store does) to a file in the same temp dir; and the ratio create / floor;
4. ``GET /v1/signing-requests/{id}`` requests/s versus a bare FastAPI ``async def`` endpoint
   (bench/bare_app.py) served by the same ``uvicorn.run`` call, loaded with wrk (a Python
   client when wrk is missing) in alternating rounds so background load hits both alike.

It prints its figures and a summary with the targets; it asserts nothing. The server is
stopped (SIGTERM, then SIGKILL after a grace period, by its pid) whatever happens.

Run: ``.venv/bin/python bench/create.py`` (or ``make bench``); ``--help`` lists the knobs.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import (  # noqa: E402 - bench/ is not a package
    HOST,
    ROOT,
    PeakRss,
    Server,
    clean_env,
    free_port,
    have_wrk,
    median,
    mib,
    one_page_pdf,
    padded_pdf,
    percentile,
    proc_status_kib,
    python_bin,
    run_wrk,
    signet_bin,
)

LARGE_LIMIT = 20 * 1024 * 1024  # the server's max_inline_pdf_bytes: 20 MiB decoded
TARGET_FLOOR_RATIO = 2.0
TARGET_RSS_MULTIPLE = 5.0
TARGET_GET_RATIO = 0.60


@dataclass
class Figures:
    rows: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, name: str, value: str, target: str = "") -> None:
        self.rows.append((name, value, target))
        print(f"  {name:<44} {value:>22}   {target}", flush=True)


def create_body(pdf: bytes, name: str) -> bytes:
    return json.dumps(
        {
            "name": name,
            "document": base64.b64encode(pdf).decode("ascii"),
            "recipients": [
                {
                    "id": "temp_1",
                    "first_name": "Ada",
                    "last_name": "Lovelace",
                    "email": "ada@example.com",
                }
            ],
            "fields": [
                {
                    "type": "signature",
                    "recipient_id": "temp_1",
                    "page_number": 1,
                    "position": {"x": 10, "y": 80, "width": 30, "height": 8},
                }
            ],
        }
    ).encode()


# --------------------------------------------------------------------------- 1. small creates


async def _small_creates(
    base_url: str, key: str, bodies: list[bytes], concurrency: int
) -> tuple[float, list[float], list[str], int]:
    """(elapsed s, latencies s, created ids, failures) for POSTing every body."""
    headers = {"Authorization": key, "Content-Type": "application/json"}
    latencies: list[float] = []
    ids: list[str] = []
    failures = 0
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60.0) as client:

        async def worker() -> None:
            nonlocal failures
            while True:
                try:
                    body = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                t0 = time.perf_counter()
                resp = await client.post("/v1/signing-requests", content=body, headers=headers)
                latencies.append(time.perf_counter() - t0)
                if resp.status_code == 201:
                    ids.append(resp.json()["id"])
                else:
                    failures += 1
                    if failures <= 3:
                        print(f"  ! create answered {resp.status_code}: {resp.text[:300]}")

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - t0
    return elapsed, latencies, ids, failures


def bench_small_creates(server: Server, key: str, args: argparse.Namespace, fig: Figures) -> str:
    print(f"\n[1] {args.creates} creates, 1-page PDF, {args.concurrency} in flight")
    # A different PDF per request: every create stores (and fsyncs) a new blob, as in real use.
    warm = [create_body(one_page_pdf(f"warm-up {i}"), f"Warm-up {i}") for i in range(16)]
    bodies = [create_body(one_page_pdf(f"request {i}"), f"Bench {i}") for i in range(args.creates)]
    print(f"  body size {len(bodies[0])} bytes (PDF {len(one_page_pdf('request 0'))} bytes)")
    asyncio.run(_small_creates(server.base_url, key, warm, args.concurrency))
    elapsed, lat, ids, failures = asyncio.run(
        _small_creates(server.base_url, key, bodies, args.concurrency)
    )
    ok = len(ids)
    fig.add("creates/s (1-page PDF)", f"{ok / elapsed:.1f} /s", "(no target; informational)")
    fig.add("  create latency median", f"{median(lat) * 1000:.1f} ms")
    fig.add("  create latency p90", f"{percentile(lat, 90) * 1000:.1f} ms")
    fig.add("  create latency p99", f"{percentile(lat, 99) * 1000:.1f} ms")
    fig.add("  create latency max", f"{max(lat) * 1000:.1f} ms")
    if failures:
        fig.add("  create failures", f"{failures}/{len(bodies)}", "expected 0")
    if not ids:
        raise RuntimeError("no create succeeded; see the messages above")
    return ids[0]


# --------------------------------------------------------------------------- 2-3. 20 MB create


@dataclass
class LargeRun:
    latency_s: float
    baseline: int
    peak: int
    sampled_peak: int
    hwm_peak: int | None
    after: int


@dataclass
class Floor:
    decode: float
    sha256: float
    write: float

    @property
    def total(self) -> float:
        return self.decode + self.sha256 + self.write


def floor_once(text: str, path: Path) -> Floor:
    """The least a create must do with the document: decode it (strictly, as the server
    does), hash it, and write it durably (the blob store fsyncs too)."""
    t0 = time.perf_counter()
    data = base64.b64decode(text, validate=True)
    t1 = time.perf_counter()
    hashlib.sha256(data).hexdigest()
    t2 = time.perf_counter()
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    t3 = time.perf_counter()
    path.unlink()
    return Floor(t1 - t0, t2 - t1, t3 - t2)


def bench_large_create(
    server: Server, key: str, tmp: Path, args: argparse.Namespace, fig: Figures
) -> None:
    runs = args.large_runs
    print(f"\n[2] one create with a ~20 MB PDF, {runs} times (a different file each time)")
    pdfs = [padded_pdf(LARGE_LIMIT, seed) for seed in range(runs)]
    size = len(pdfs[0])
    for pdf in pdfs:
        if len(pdf) > LARGE_LIMIT or pdf[:5] != b"%PDF-":
            raise RuntimeError(f"bad large PDF: {len(pdf)} bytes")
    if len({hashlib.sha256(p).digest() for p in pdfs}) != runs:
        raise RuntimeError("the large PDFs are not all different")
    bodies = [create_body(pdf, f"Large {i}") for i, pdf in enumerate(pdfs)]
    print(
        f"  PDF {size} bytes ({mib(size)}, limit {LARGE_LIMIT}); "
        f"JSON body {len(bodies[0])} bytes ({mib(len(bodies[0]))})"
    )
    texts = [base64.b64encode(pdf).decode("ascii") for pdf in pdfs]
    floor_dir = tmp / "floor"
    floor_dir.mkdir(exist_ok=True)
    headers = {"Authorization": key, "Content-Type": "application/json"}
    results: list[LargeRun] = []
    floors: list[Floor] = []
    print("  each run: the create (server), then its floor (this process) on the same base64 text")
    with httpx.Client(base_url=server.base_url, timeout=120.0) as client:
        for i, body in enumerate(bodies):
            with PeakRss(server.pid) as rss:
                t0 = time.perf_counter()
                resp = client.post("/v1/signing-requests", content=body, headers=headers)
                latency = time.perf_counter() - t0
            if resp.status_code != 201:
                raise RuntimeError(f"large create answered {resp.status_code}: {resp.text[:300]}")
            after = proc_status_kib(server.pid, "VmRSS") * 1024
            run = LargeRun(latency, rss.baseline, rss.peak, rss.sampled_peak, rss.hwm_peak, after)
            results.append(run)
            floors.append(floor_once(texts[i], floor_dir / f"floor-{i}"))
            hwm = mib(run.hwm_peak) if run.hwm_peak is not None else "n/a"
            print(
                f"  run {i + 1}: create {latency * 1000:6.1f} ms, floor "
                f"{floors[-1].total * 1000:5.1f} ms | RSS before {mib(run.baseline)}, "
                f"peak {mib(run.peak)} (VmHWM {hwm}, sampled {mib(run.sampled_peak)}), "
                f"+{mib(run.peak - run.baseline)}, after {mib(run.after)}"
            )
    del bodies

    floor = median([f.total for f in floors])
    print(
        "\n[3] floor (base64-decode + SHA-256 + write with fsync, in this process): median "
        "{:.1f} ms = decode {:.1f} + sha256 {:.1f} + write/fsync {:.1f}".format(
            floor * 1000,
            *(
                median([getattr(f, k) for f in floors]) * 1000
                for k in ("decode", "sha256", "write")
            ),
        )
    )

    create = median([r.latency_s for r in results])
    print("\n  figures:")
    fig.add("20 MB create latency (median)", f"{create * 1000:.1f} ms")
    fig.add("20 MB floor (decode+hash+write, median)", f"{floor * 1000:.1f} ms")
    ratio = create / floor
    fig.add(
        "20 MB create / floor",
        f"{ratio:.2f}x",
        f"target <= {TARGET_FLOOR_RATIO:.0f}x  {_verdict(ratio <= TARGET_FLOOR_RATIO)}",
    )
    before = results[0].baseline
    peak = max(r.peak for r in results)
    per_run = max(r.peak - r.baseline for r in results)
    fig.add("server RSS before the 1st 20 MB create", f"{mib(before)} ({before / size:.1f}x file)")
    fig.add("server peak RSS during the 20 MB creates", f"{mib(peak)} ({peak / size:.1f}x file)")
    for name, delta in (
        ("peak - before, one create (worst run)", per_run),
        ("peak - before the 1st, all runs", peak - before),
    ):
        multiple = delta / size
        fig.add(
            name,
            f"{mib(delta)} ({multiple:.1f}x file)",
            f"target <= {TARGET_RSS_MULTIPLE:.0f}x file  "
            f"{_verdict(multiple <= TARGET_RSS_MULTIPLE)}",
        )
    retained = results[-1].after - before
    fig.add("  RSS kept after the last create", f"+{mib(retained)} ({retained / size:.1f}x file)")


# --------------------------------------------------------------------------- 4. GET throughput


@dataclass
class Throughput:
    requests: int = 0
    seconds: float = 0.0
    p50_ms: list[float] = field(default_factory=list)
    p99_ms: list[float] = field(default_factory=list)
    bad: int = 0

    @property
    def requests_per_s(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def latency(self) -> str:
        if not self.p50_ms or not self.p99_ms:
            return ""
        return f"p50 {median(self.p50_ms):.2f} ms, p99 {median(self.p99_ms):.2f} ms"


async def _python_load(
    url: str, headers: dict[str, str], duration: float, conns: int, into: Throughput
) -> None:
    """Fallback load generator when wrk is missing: ``conns`` keep-alive HTTP/1.1 connections
    on raw asyncio streams for ``duration`` seconds (far cheaper per request than httpx, but
    still Python: it can be the bottleneck, which the caller reports)."""
    parts = urlsplit(url)
    host, port = parts.hostname or HOST, parts.port or 80
    lines = [f"GET {parts.path} HTTP/1.1", f"Host: {host}:{port}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    lat: list[float] = []
    deadline = time.perf_counter() + duration

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                await reader.readexactly(length)
                lat.append(time.perf_counter() - t0)
                into.bad += head[9:12] != b"200"
        finally:
            writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(conns)))
    into.seconds += time.perf_counter() - t0
    into.requests += len(lat)
    if lat:
        into.p50_ms.append(median(lat) * 1000)
        into.p99_ms.append(percentile(lat, 99) * 1000)


def load_round(
    url: str, headers: dict[str, str], args: argparse.Namespace, into: Throughput | None
) -> None:
    """One timed round of GET load on ``url``, added to ``into`` (None: a warm-up)."""
    seconds = args.duration if into is not None else 1
    if not have_wrk():
        target = into if into is not None else Throughput()
        asyncio.run(_python_load(url, headers, float(seconds), args.connections, target))
        return
    r = run_wrk(
        url,
        duration_s=seconds,
        threads=args.wrk_threads,
        connections=args.connections,
        headers=headers,
    )
    if into is not None:
        into.requests += r.requests
        into.seconds += r.seconds
        into.bad += r.non_2xx + r.errors
        if r.latency_p50_ms is not None and r.latency_p99_ms is not None:
            into.p50_ms.append(r.latency_p50_ms)
            into.p99_ms.append(r.latency_p99_ms)


def bench_get(
    server: Server, key: str, request_id: str, tmp: Path, args: argparse.Namespace, fig: Figures
) -> None:
    print("\n[4] GET throughput: signet GET /v1/signing-requests/{id} vs a bare FastAPI endpoint")
    if have_wrk():
        tool = f"wrk -t{args.wrk_threads} -c{args.connections}"
    else:
        tool = f"Python asyncio client, {args.connections} connections"
        print("  wrk not found (apt-get install -y wrk); falling back to a Python client")
    url = f"{server.base_url}/v1/signing-requests/{request_id}"
    auth = {"Authorization": key}
    check = httpx.get(url, headers=auth, timeout=10)
    if check.status_code != 200:
        raise RuntimeError(f"GET answered {check.status_code}: {check.text[:300]}")

    port = free_port()
    bare = Server(
        "bare app",
        [python_bin(), str(ROOT / "bench" / "bare_app.py"), "--port", str(port)],
        port,
        env=clean_env(),
        cwd=tmp,
        log_path=tmp / "bare.log",
        health_path="/ping",
    )
    sig, ref = Throughput(), Throughput()
    with bare:
        bare_url = f"{bare.base_url}/ping"
        bare_size = len(httpx.get(bare_url, timeout=10).content)
        print(f"  response bodies: signet {len(check.content)} bytes, bare {bare_size} bytes")
        print(
            f"  {tool}, {args.rounds} alternating rounds of {args.duration} s per server "
            "(after a 1 s warm-up each)"
        )
        log_before = server.log_lines()
        load_round(url, auth, args, None)
        load_round(bare_url, {}, args, None)
        for _ in range(args.rounds):
            load_round(url, auth, args, sig)
            load_round(bare_url, {}, args, ref)
        log_lines = server.log_lines() - log_before

    for name, t in (("signet GET", sig), ("bare GET", ref)):
        print(
            f"  {name:<11} {t.requests_per_s:9.0f} req/s  {t.latency()}  (non-2xx/errors {t.bad})"
        )
    if not have_wrk():
        print(
            "  note: Python load generator; if the bare rate is far below wrk's usual figures "
            "the client, not the server, was the bottleneck and the ratio is meaningless"
        )
    if log_lines:
        print(f"  note: signet wrote {log_lines} log lines during the GET load (access log?)")
    print("\n  figures:")
    fig.add("GET signing request (req/s)", f"{sig.requests_per_s:.0f} /s")
    fig.add("GET bare FastAPI endpoint (req/s)", f"{ref.requests_per_s:.0f} /s")
    ratio = sig.requests_per_s / ref.requests_per_s if ref.requests_per_s else 0.0
    fig.add(
        "GET signet / bare",
        f"{ratio:.0%}",
        f"target >= {TARGET_GET_RATIO:.0%}  {_verdict(ratio >= TARGET_GET_RATIO)}",
    )
    if sig.bad or ref.bad:
        fig.add("  GET errors / non-2xx (signet, bare)", f"{sig.bad}, {ref.bad}", "expected 0")


# --------------------------------------------------------------------------- main


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def run(tmp: Path, args: argparse.Namespace) -> Figures:
    fig = Figures()
    data_dir = tmp / "data"
    env = clean_env(SIGNET_DATA_DIR=str(data_dir), SIGNET_LOG_LEVEL=args.signet_log_level)
    key = subprocess.run(
        [signet_bin(), "api-keys", "create", "--name", "bench"],
        env=env,
        cwd=tmp,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.strip()
    port = free_port()
    server = Server(
        "signet serve",
        [signet_bin(), "serve", "--host", HOST, "--port", str(port)],
        port,
        env=env,
        cwd=tmp,  # no stray .env from the checkout
        log_path=tmp / "signet.log",
        health_path="/healthz",
    )
    with server:
        print(
            f"signet serve pid {server.pid} on {server.base_url}, data dir {data_dir}, "
            f"SIGNET_LOG_LEVEL={args.signet_log_level}; load average {os.getloadavg()[0]:.1f}"
        )
        request_id = bench_small_creates(server, key, args, fig)
        if "large" in args.phases:
            bench_large_create(server, key, tmp, args, fig)
        if "get" in args.phases:
            bench_get(server, key, request_id, tmp, args, fig)
    return fig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--creates", type=int, default=300, help="1-page creates to time")
    parser.add_argument("--concurrency", type=int, default=8, help="creates in flight")
    parser.add_argument("--large-runs", type=int, default=5, help="20 MB creates to time")
    parser.add_argument(
        "--duration", type=int, default=3, help="seconds of GET load per round and server"
    )
    parser.add_argument("--rounds", type=int, default=2, help="alternating GET rounds")
    parser.add_argument("--connections", type=int, default=32, help="GET load connections")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument(
        "--signet-log-level",
        default="warning",
        help="SIGNET_LOG_LEVEL for the server; 'info' (its default) adds one access-log line "
        "per request, which the bare app (warning) does not write",
    )
    parser.add_argument(
        "--phases",
        default="small,large,get",
        help="comma list of small (always run: it makes the GET target), large, get",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs, data)")
    args = parser.parse_args()
    args.phases = set(args.phases.split(","))
    # SIGTERM (e.g. from a CI timeout) unwinds like Ctrl-C, so the servers are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    started = time.perf_counter()
    load_before = os.getloadavg()
    tmp = Path(tempfile.mkdtemp(prefix="signet-bench-"))
    try:
        fig = run(tmp, args)
    finally:
        if args.keep:
            print(f"\nkept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    load_after = os.getloadavg()
    print(
        f"\nSummary ({time.perf_counter() - started:.0f} s, {os.cpu_count()} CPUs, "
        f"1-min load average {load_before[0]:.1f} before, {load_after[0]:.1f} after)"
    )
    if max(load_before[0], load_after[0]) > (os.cpu_count() or 1):
        print("  note: the machine was busy with other work; absolute figures are noisy")
    width = max(len(r[0]) for r in fig.rows)
    print(f"  {'figure':<{width}}  {'value':>24}  target")
    print(f"  {'-' * width}  {'-' * 24}  {'-' * 30}")
    for name, value, target in fig.rows:
        print(f"  {name:<{width}}  {value:>24}  {target}")


if __name__ == "__main__":
    main()
