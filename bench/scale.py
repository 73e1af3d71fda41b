"""Benchmark: how Signet scales out, on PostgreSQL + SeaweedFS S3 and on SQLite + local files.

Real processes on 127.0.0.1, started by the harness of the scale-out tests
(tests/scaleout/cluster.py): one node whose ``signet serve`` (1 or 2 API processes,
``--workers``) and ``signet worker`` processes (1 or 2, two threads each) are started and stopped
between phases; a PostgreSQL database of its own on 127.0.0.1:5432 (dropped at the end), a
SeaweedFS S3 server, an SMTP sink. For each backend:

1. **creates/s**: ``--clients`` concurrent clients create signing requests (a 3-page PDF, two
   signers) for ``--seconds``, no worker running; with 1 and with 2 API processes; and the CPU
   each create costs, by role (the API processes, their PDF sandboxes, PostgreSQL, the S3
   server, this client), read from /proc. The client, PostgreSQL and S3 share the machine's
   cores with the API: from those costs the bench prints the most a second API process could
   add on this machine (every core busy with creates);
2. **seals/s**: with no worker running, ``--batch`` requests are created, sent and signed by
   both signers (each last finish queues a seal); then 1 (the second time 2) worker processes
   start and the seals are timed from the first to the last: the sealing alone, not how fast
   clients finish. Then, with those workers, half as many requests are finished and sealed
   while a client reads ``GET /v1/signing-requests/{id}`` of them (50/s at most): p50/p99 of
   that read while sealing runs;
3. **flows/s**: ``--flows`` whole flows (create → send → both signers finish → sealed final PDF
   stored), ``--clients`` at a time, for 1/2 API processes x 1/2 workers;
4. **lost / duplicated**: afterwards every request of phases 2 and 3 must have exactly one
   ``certificate_generated`` audit event (sealed once);
5. **peak RSS** (VmHWM) of every process, by role;
6. **20 MB create**: the median of ``--big`` creates with a 20 MB PDF, with the node's files on
   S3 and then on local disk, both on PostgreSQL.

SQLite takes one API process (``serve --workers 2`` is refused there): its 2-API rows are left
out. The targets on a 2-core machine: 2 API processes >= 1.6x the creates/s of one, 2 workers
>= 1.6x the seals/s of one, S3 within 1.3x of local files for the 20 MB create, nothing lost or
duplicated. The load average is printed: on a shared machine the figures are noisy. It asserts
nothing. Run: ``.venv/bin/python bench/scale.py`` (about 4-5 minutes on 2 cores; ``--quick``
about 3; ``--help`` for the knobs).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import bindparam, create_engine, text
from sqlalchemy.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from fixtures.pdfs import make_padded_pdf  # noqa: E402
from scaleout import flows  # noqa: E402
from scaleout.cluster import Cluster, Node, pg_problem, wait_until  # noqa: E402


@dataclass
class Figures:
    backend: str
    creates: dict[int, float] = field(default_factory=dict)  # API processes → creates/s
    # API processes → role → CPU ms per create (the whole machine's processes, by role)
    create_cpu: dict[int, dict[str, float]] = field(default_factory=dict)
    seal_cpu: dict[int, dict[str, float]] = field(default_factory=dict)  # workers → role → ms
    seals: dict[int, float] = field(default_factory=dict)  # workers → seals/s
    read_ms: dict[int, tuple[float, float, int]] = field(default_factory=dict)  # p50, p99, n
    flows: dict[tuple[int, int], float] = field(default_factory=dict)  # (api, workers) → /s
    rss: dict[str, int] = field(default_factory=dict)  # role → peak KiB
    big_create_s: float | None = None
    request_ids: list[str] = field(default_factory=list)
    lost: int = 0
    duplicated: int = 0


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def peak_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def note_rss(figures: Figures, node: Node) -> None:
    """Peak RSS of each running process, kept per role (the highest seen)."""
    if node.serve is not None:
        main, *children = node.serve.pids()
        if node.api_processes == 1:
            roles = [("API process", main)]
        else:
            roles = [("serve supervisor", main)] + [("API process", c) for c in children]
        for role, pid in roles:
            figures.rss[role] = max(figures.rss.get(role, 0), peak_kib(pid))
    for proc in node.worker_procs:
        figures.rss["worker"] = max(figures.rss.get("worker", 0), peak_kib(proc.pid))


_TICK = os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[str, int, float]]:
    """pid → (command name, parent pid, CPU seconds so far) of every process on the machine."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        rest = stat[stat.rindex(")") + 2 :].split()
        found[int(entry)] = (name, int(rest[1]), (int(rest[11]) + int(rest[12])) / _TICK)
    return found


def _tree(procs: dict[int, tuple[str, int, float]], root: int) -> set[int]:
    pids, grew = {root}, True
    while grew:
        more = {pid for pid, (_, parent, _) in procs.items() if parent in pids} - pids
        pids |= more
        grew = bool(more)
    return pids & procs.keys()


def cpu_by_role(cluster: Cluster, node: Node) -> dict[str, float]:
    """CPU seconds used so far by the processes a create involves, by role. The API processes
    are ``serve``'s (its children when it supervises several); the PDF sandboxes are theirs;
    PostgreSQL counts every ``postgres`` process on the machine (it may serve others too)."""
    procs = _processes()
    assert node.serve is not None
    main = node.serve.pid
    apis = [main] if node.api_processes == 1 else [p for p, v in procs.items() if v[1] == main]
    api_pids = set(apis)
    sandbox = set().union(*(_tree(procs, p) for p in apis)) - api_pids if apis else set()
    weed = cluster.seaweed.process.pid if cluster.seaweed is not None else None
    t = os.times()
    workers = set().union(*(_tree(procs, w.pid) for w in node.worker_procs))
    return {
        "API": sum(procs[p][2] for p in api_pids if p in procs),
        "workers": sum(procs[p][2] for p in workers),
        "PDF sandbox": sum(procs[p][2] for p in sandbox),
        "PostgreSQL": sum(v[2] for v in procs.values() if v[0] == "postgres"),
        "S3": sum(procs[p][2] for p in _tree(procs, weed)) if weed else 0.0,
        "bench client": t.user + t.system,
    }


def measured_creates(
    cluster: Cluster, node: Node, nodes: flows.Nodes, clients: int, seconds: float
) -> tuple[float, dict[str, float]]:
    """creates/s, and the CPU ms per create of each role meanwhile."""
    before = cpu_by_role(cluster, node)
    rate, made = bench_creates(nodes, clients, seconds)
    after = cpu_by_role(cluster, node)
    n = max(1, len(made))
    return rate, {role: (after[role] - before[role]) * 1000 / n for role in before}


def bench_creates(nodes: flows.Nodes, clients: int, seconds: float) -> tuple[float, list[str]]:
    stop = time.monotonic() + seconds
    made: list[str] = []
    lock = threading.Lock()

    def client(n: int) -> None:
        i = 0
        while time.monotonic() < stop:
            created = flows.create(nodes, f"c{n}-{i}-{time.monotonic_ns()}")
            with lock:
                made.append(created["id"])
            i += 1

    start = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, range(clients)))
    return len(made) / (time.monotonic() - start), made


def warm_up(nodes: flows.Nodes, clients: int) -> None:
    """Untimed creates from every client, so that each API process has started its PDF sandbox
    workers and filled its caches before the timing starts (a new process's first creates
    import and spawn for a second or more)."""
    bench_creates(nodes, clients, 2.0)


def prepare_half_signed(nodes: flows.Nodes, count: int, clients: int, tag: str) -> list[Any]:
    """``count`` requests created, sent and signed by their first signer."""

    def one(i: int) -> Any:
        created = flows.create(nodes, f"{tag}{i}")
        flows.send(nodes, created["id"])
        flows.sign(nodes, created["id"], created["recipients"][0]["id"])
        return created

    with ThreadPoolExecutor(clients) as pool:
        return list(pool.map(one, range(count)))


def finish_all(nodes: flows.Nodes, requests: list[Any], clients: int) -> None:
    """The second signer of each request finishes: each finish queues a seal."""

    def one(created: Any) -> None:
        flows.sign(nodes, created["id"], created["recipients"][1]["id"])

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, requests))


_SEALED = text(
    "SELECT count(*) FROM signing_requests WHERE final_sha256 IS NOT NULL AND id IN :ids"
).bindparams(bindparam("ids", expanding=True))


def sealed_count(engine: Engine, ids: list[str]) -> int:
    with engine.connect() as conn:
        return int(conn.execute(_SEALED, {"ids": ids}).scalar_one())


class Reader:
    """``GET /v1/signing-requests/{id}`` in a loop (50 a second at most), timing each answer."""

    def __init__(self, cluster: Cluster, node: Node, ids: list[str]) -> None:
        self.http = httpx.Client(base_url=node.url, headers=cluster.headers, timeout=30)
        self.ids = ids
        self.times: list[float] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        i = 0
        while not self.stop.is_set():
            t = time.perf_counter()
            r = self.http.get(f"/v1/signing-requests/{self.ids[i % len(self.ids)]}")
            if r.status_code == 200:
                self.times.append((time.perf_counter() - t) * 1000)
            i += 1
            time.sleep(0.02)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(30)
        self.http.close()


def wait_sealed(engine: Engine, ids: list[str], until: int, stamps: list[float]) -> None:
    """Until ``until`` of ``ids`` are sealed, adding the time of each new seal to ``stamps``."""
    deadline = time.monotonic() + 300
    while len(stamps) < until:
        now = sealed_count(engine, ids)
        stamps += [time.monotonic()] * (now - len(stamps))
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {len(stamps)} of {until} sealed in 300 s")
        time.sleep(0.05)


def rate(stamps: list[float]) -> float:
    return (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 else 0.0


def bench_seal(
    cluster: Cluster, node: Node, nodes: flows.Nodes, figures: Figures, batch: int, clients: int
) -> list[str]:
    """Seals/s of 1, then 2 worker processes, and the detail read's latency while they seal.

    Timed: with no worker running, ``batch`` requests are signed by both signers (each last
    finish queues a seal); then the workers start and the seals are timed from the first to the
    last, so what is timed is the sealing alone, not how fast clients finish, nor a read probe
    competing for the same cores. Then, the workers still running, a read probe times
    ``GET /v1/signing-requests/{id}`` while half as many requests are finished and sealed.
    Leaves two workers running."""
    engine = create_engine(cluster.env["SIGNET_DATABASE_URL"])
    sealed: list[str] = []
    try:
        for workers in (1, 2):
            node.stop_workers()
            requests = prepare_half_signed(nodes, batch, clients, f"s{workers}-")
            finish_all(nodes, requests, clients)
            ids = [str(r["id"]) for r in requests]
            stamps: list[float] = []
            for _ in range(workers):
                node.add_worker()
            wait_sealed(engine, ids, 1, stamps)  # counted from the first seal
            before = cpu_by_role(cluster, node)
            wait_sealed(engine, ids, batch, stamps)
            after = cpu_by_role(cluster, node)
            figures.seals[workers] = rate(stamps)
            figures.seal_cpu[workers] = {
                role: (after[role] - before[role]) * 1000 / max(1, len(stamps) - 1)
                for role in before
            }
            sealed += ids
            more = prepare_half_signed(nodes, max(2, batch // 2), clients, f"r{workers}-")
            more_ids = [str(r["id"]) for r in more]
            reader = Reader(cluster, node, more_ids)
            try:
                finish_all(nodes, more, clients)
                wait_sealed(engine, more_ids, len(more_ids), [])
            finally:
                reader.close()
            figures.read_ms[workers] = percentiles(reader.times)
            sealed += more_ids
    finally:
        engine.dispose()
    node.wait_workers_running()
    return sealed


def percentiles(values: list[float]) -> tuple[float, float, int]:
    if not values:
        return (0.0, 0.0, 0)
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * len(ordered) + 0.5) - 1)]
    return (statistics.median(ordered), p99, len(ordered))


def bench_flows(nodes: flows.Nodes, count: int, clients: int, tag: str) -> tuple[float, list[str]]:
    start = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        ids = list(pool.map(lambda i: flows.run_flow(nodes, f"{tag}{i}"), range(count)))
    return count / (time.monotonic() - start), ids


def check_once(cluster: Cluster, figures: Figures, sealed_ids: list[str]) -> None:
    """Each request meant to be sealed has exactly one certificate_generated event."""
    counts = cluster.seal_counts()
    figures.lost = sum(1 for i in sealed_ids if counts.get(i, 0) == 0)
    figures.duplicated = sum(1 for i in sealed_ids if counts.get(i, 0) > 1)


def log(message: str) -> None:
    print(f"  {message} (load {load()})", file=sys.stderr, flush=True)


def start_serve(node: Node, api: int) -> None:
    node.stop_serve()
    node.api_processes = api
    node.start_serve()
    node.wait_ready()


def run_backend(root: Path, database: str, storage: str, args: argparse.Namespace) -> Figures:
    """Phases in an order that restarts few processes (each start seals a self-test PDF)."""
    figures = Figures(f"{'PostgreSQL' if database == 'postgresql' else 'SQLite'} + {storage}")
    print(f"[{figures.backend}] starting (load {load()})", file=sys.stderr, flush=True)
    with Cluster(root, nodes=1, database=database, storage=storage) as cluster:
        node = cluster.nodes[0]
        node.stop_workers()
        nodes = flows.Nodes([node.url], cluster.key)
        sealed: list[str] = []
        big = make_padded_pdf(20 * 1024 * 1024) if database == "postgresql" and args.big else None

        # One API process, no worker: creates, then a waiting batch for the seal phase.
        warm_up(nodes, args.clients)
        figures.creates[1], figures.create_cpu[1] = measured_creates(
            cluster, node, nodes, args.clients, args.seconds
        )
        log(f"create, 1 API: {figures.creates[1]:.1f}/s")
        if big is not None:
            figures.big_create_s = big_create(nodes, big, args.big)
            log(f"20 MB create on S3: {figures.big_create_s:.2f} s")
        sealed += bench_seal(cluster, node, nodes, figures, args.batch, args.clients)
        log(f"seal: 1 worker {figures.seals[1]:.2f}/s, 2 workers {figures.seals[2]:.2f}/s")
        note_rss(figures, node)

        def whole_flows(api: int, workers: int) -> None:
            # The jobs of earlier phases (their emails, webhooks) first, so they are not timed.
            wait_until(
                lambda: not [j for j in cluster.unfinished_jobs() if j[1] != "dead"],
                300,
                "the queue drained",
            )
            count, tag = args.flows, f"f{api}{workers}-"
            figures.flows[(api, workers)], ids = bench_flows(nodes, count, args.clients, tag)
            sealed.extend(ids)
            note_rss(figures, node)
            log(f"flows, {api} API x {workers} worker(s): {figures.flows[(api, workers)]:.2f}/s")

        whole_flows(1, 2)
        node.worker_procs.pop().stop()
        whole_flows(1, 1)
        if database == "postgresql":
            start_serve(node, 2)
            warm_up(nodes, args.clients)
            figures.creates[2], figures.create_cpu[2] = measured_creates(
                cluster, node, nodes, args.clients, args.seconds
            )
            log(f"create, 2 API: {figures.creates[2]:.1f}/s")
            note_rss(figures, node)
            whole_flows(2, 1)
            node.add_worker()
            node.wait_workers_running()
            whole_flows(2, 2)
        node.stop_workers()
        check_once(cluster, figures, sealed)
        figures.request_ids = sealed
        if big is not None:
            # The same database, with the files on the local disk instead.
            node.env = {**cluster.env, "SIGNET_STORAGE_URL": (root / "local-blobs").as_uri()}
            start_serve(node, 1)
            BIG_LOCAL.append(big_create(nodes, big, args.big))
            log(f"20 MB create on local files: {BIG_LOCAL[0]:.2f} s")
        nodes.close()
    return figures


BIG_LOCAL: list[float] = []


def big_create(nodes: flows.Nodes, pdf: bytes, tries: int) -> float:
    """Median seconds of a create with a 20 MB one-page PDF (after one untimed try)."""
    times = []
    flows.create(nodes, "warm-up-big", pdf=pdf, pages=1)
    for i in range(tries):
        t = time.perf_counter()
        flows.create(nodes, f"big{i}", pdf=pdf, pages=1)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def table(results: list[Figures]) -> str:
    lines = []
    w = 34

    def row(label: str, cells: list[str]) -> None:
        lines.append(f"{label:<{w}}" + "".join(f"{c:>22}" for c in cells))

    row("", [f.backend for f in results])
    for api in (1, 2):
        row(
            f"creates/s, {api} API process(es)",
            [f"{f.creates[api]:.1f}" if api in f.creates else "-" for f in results],
        )
    for api in (1, 2):
        row(
            f"CPU ms per create, {api} API",  # API+sandbox/workers/PG/S3/client
            [_cpu_cell(f.create_cpu.get(api)) for f in results],
        )
    for workers in (1, 2):
        row(
            f"seals/s, {workers} worker(s)",
            [f"{f.seals[workers]:.2f}" if workers in f.seals else "-" for f in results],
        )
    for workers in (1, 2):
        row(
            f"CPU ms per seal, {workers} worker(s)",
            [_cpu_cell(f.seal_cpu.get(workers)) for f in results],
        )
    for workers in (1, 2):
        row(
            f"GET detail p50/p99 ms, {workers} w",
            [
                "{:.1f} / {:.1f} (n={})".format(*f.read_ms[workers])
                if workers in f.read_ms
                else "-"
                for f in results
            ],
        )
    for api in (1, 2):
        for workers in (1, 2):
            row(
                f"flows/s, {api} API x {workers} worker(s)",
                [
                    f"{f.flows[(api, workers)]:.2f}" if (api, workers) in f.flows else "-"
                    for f in results
                ],
            )
    roles = sorted({r for f in results for r in f.rss})
    for role in roles:
        row(
            f"peak RSS MiB, {role}",
            [f"{f.rss[role] / 1024:.0f}" if role in f.rss else "-" for f in results],
        )
    row(
        "flows sealed (lost / duplicated)",
        [f"{len(f.request_ids)} ({f.lost} / {f.duplicated})" for f in results],
    )
    return "\n".join(lines)


def _cpu_cell(cpu: dict[str, float] | None) -> str:
    """API (with its PDF sandbox) / workers / PostgreSQL / S3 / this client, ms."""
    if not cpu:
        return "-"
    api = cpu["API"] + cpu["PDF sandbox"]
    rest = "/".join(f"{cpu[r]:.1f}" for r in ("workers", "PostgreSQL", "S3", "bench client"))
    return f"{api:.1f}/{rest}"


def ceiling(cpu: dict[str, float] | None, rate: float | None, what: str) -> str | None:
    """What the machine's cores allow two processes at best: every core busy at the
    CPU per operation measured with one, against that one's rate."""
    if not cpu or not rate:
        return None
    total = sum(cpu.values())
    cores = os.cpu_count() or 1
    most = cores * 1000 / total / rate
    parts = ", ".join(f"{role} {ms:.1f}" for role, ms in cpu.items() if ms >= 0.05)
    return f"  on {cores} cores at most {most:.2f}x: {total:.1f} ms of CPU per {what} ({parts})"


def verdicts(results: list[Figures]) -> list[str]:
    out = []
    pg = results[0]
    if 1 in pg.creates and 2 in pg.creates and pg.creates[1]:
        ratio = pg.creates[2] / pg.creates[1]
        out.append(f"2 API / 1 API creates: {ratio:.2f}x (target >= 1.6x) {_ok(ratio >= 1.6)}")
        most = ceiling(pg.create_cpu.get(1), pg.creates.get(1), "create")
        if most:
            out.append(most)
    if pg.seals.get(1):
        ratio = pg.seals[2] / pg.seals[1]
        out.append(f"2 workers / 1 worker seals: {ratio:.2f}x (target >= 1.6x) {_ok(ratio >= 1.6)}")
        most = ceiling(pg.seal_cpu.get(1), pg.seals.get(1), "seal")
        if most:
            out.append(most)
    if pg.big_create_s and BIG_LOCAL:
        ratio = pg.big_create_s / BIG_LOCAL[0]
        out.append(
            f"20 MB create S3 {pg.big_create_s:.2f}s / local {BIG_LOCAL[0]:.2f}s: {ratio:.2f}x "
            f"(target <= 1.3x) {_ok(ratio <= 1.3)}"
        )
    bad = sum(f.lost + f.duplicated for f in results)
    out.append(f"lost or duplicated flows: {bad} (target 0) {_ok(bad == 0)}")
    return out


def _ok(good: bool) -> str:
    return "ok" if good else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller batches (~2 minutes)")
    parser.add_argument("--clients", type=int, default=6, help="concurrent clients")
    parser.add_argument("--seconds", type=float, default=None, help="create phase length")
    parser.add_argument("--batch", type=int, default=None, help="requests sealed per phase")
    parser.add_argument("--flows", type=int, default=None, help="whole flows per phase")
    parser.add_argument("--big", type=int, default=None, help="20 MB creates per store")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL + S3 only")
    args = parser.parse_args()
    quick = args.quick
    args.seconds = args.seconds or (4.0 if quick else 6.0)
    args.batch = args.batch or (16 if quick else 40)
    args.flows = args.flows or (4 if quick else 6)
    args.big = args.big if args.big is not None else (2 if quick else 3)
    problem = pg_problem()
    if problem:
        sys.exit(f"bench/scale.py needs PostgreSQL on 127.0.0.1:5432: {problem}")
    started = time.monotonic()
    print(f"cores {os.cpu_count()}, load average at start {load()}")
    results = []
    with tempfile.TemporaryDirectory(prefix="signet-scale-") as tmp:
        results.append(run_backend(Path(tmp) / "pg", "postgresql", "s3", args))
        if not args.no_sqlite:
            results.append(run_backend(Path(tmp) / "sqlite", "sqlite", "local", args))
    print()
    print(table(results))
    print()
    for line in verdicts(results):
        print(line)
    print(f"\nload average at end {load()}; {time.monotonic() - started:.0f} s in all")


if __name__ == "__main__":
    main()
