"""Benchmark: stamp + certify + seal, against the floor of a plain ``qpdf`` copy.

For generated documents of 1, 50 and 500 pages and a ~20 MB image-heavy PDF, with 3 fields on
each of 10 pages, each case and each path in a fresh subprocess (after imports, fonts and the
seal key are warm, and one untimed run, as in a running worker):

* floor: ``qpdf in.pdf out.pdf`` (no linearize), into a new file as a plain copy makes one.
  Until issue 3 this benchmark had qpdf overwrite its previous output, which on this ext4
  machine took 52-57 ms at 20 MB instead of 27-31 ms (truncating a file just written, likely
  waiting on its writeback), a floor that flattered the 20 MB ratio almost 2x. ``final``
  makes its bytes in memory, where qpdf also writes its copy to a file (about 15 ms for 20 MB
  into the page cache on this machine);
* final: build the certificate, then ``stamp_certify_seal``: stamps, certificate pages and one
  PAdES seal as a single incremental update appended to the original (``incremental.py``) — the
  final PDF as the finalisation job makes it; ``-cert`` is the same without building the
  certificate (stamps, certificate pages and seal only);
* 3 files: what ``build_final_files`` does — one hash of the original (``OriginalHash``, on a
  thread) and one stamp plan (page lookup and overlay), both shared; document-only (stamps +
  seal), its SHA-256 for the certificate, the certificate, final, certificate-only (seal of the
  certificate), and the SHA-256 of each file, which the job stores them under;
* old final / old 3 files: the same with the previous path, pikepdf open + stamp + append +
  full rewrite (``stamp_values``), then ``seal_pdf``; for comparison;
* peak RSS (VmHWM) of the subprocess during the work, for each path;
* cold: the first final file of a fresh process, font registration included (a worker's first
  job after start-up; imports and the seal key are not counted). The targets are judged on the
  warm figures, a running worker's steady state, which every job after the first one sees.

The certificate is built from signature PNGs rendered once up front: finalisation takes the
signers' PNGs from the database and renders none (``bench/stamp.py``'s certificate factory
renders four per call, ~0.1 s, which would be measured as certificate time here). Its names,
times, addresses and hashes change on every run, as from one request to the next, so text
layout caches only help with what really repeats (labels, headings), not with the whole page.
The new path's final file starts its own hash of the original, as ``stamp_certify_seal`` does
when given none; only the 3-files run shares one, as the job does.

Times are wall-clock medians; ``best`` compares the fastest runs, and ``cpu`` the same runs'
process CPU time (qpdf's from its rusage), both steadier than medians on a busy machine. The new
path hashes the original on a second thread, so its CPU time can exceed its wall time: on a
machine whose every core is busy, expect the ``cpu`` ratio rather than the wall one. Prints
figures and the load average, asserts nothing. Run: ``.venv/bin/python bench/seal.py``
(``--rounds N``: child processes per path, interleaved with the other path and qpdf;
``--repeat N``: runs in each).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import itertools
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

import stamp as stamp_bench  # noqa: E402  (bench/stamp.py: document generators)

_NAMES = ["Jane Doe", "Ayşe Işıkoğlu", "محمد عبد الله", "王小明"]


def _signature_pngs(out: Path) -> list[Path]:
    """The signers' typed signatures, rendered once by the parent for every child to read.

    Rendering them in a child would register the fonts there before its cold run.
    """
    from signet.pdf.fonts import render_typed_signature

    paths = [out / f"signature-{i}.png" for i in range(len(_NAMES))]
    for path, name in zip(paths, _NAMES, strict=True):
        path.write_bytes(render_typed_signature(name, 400, 120))
    return paths


def _certificate_factory(pngs: list[bytes]) -> Callable[[str], bytes]:
    """A certificate builder like bench/stamp.py's, with the signature PNGs made up front."""
    from signet.pdf.certificate import build_certificate
    from signet.pdf.evidence import CertificateData, CertificateEvent, CertificateRecipient

    calls = itertools.count()

    def build(signed_sha256: str) -> bytes:
        # Another request each time: other names, times, addresses, ids and hashes.
        k = next(calls)
        t0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC) + timedelta(days=k, seconds=37 * k)
        names = [f"{name} {k}" for name in _NAMES]
        recipients = [
            CertificateRecipient(
                name=name,
                email=f"r{i}.{k}@example.com",
                designation="Signer",
                order=i + 1,
                ip=f"203.0.{k % 250}.{i + 5}",
                user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/131.0",
                sent_at=t0,
                viewed_at=t0 + timedelta(minutes=3),
                signed_at=t0 + timedelta(minutes=5 + i),
                signature_png=png,
                signature_id=f"00000000-0000-4000-8000-{k:08d}000{i}",
            )
            for i, (name, png) in enumerate(zip(names, pngs, strict=True))
        ]
        events = [
            CertificateEvent(
                t0 + timedelta(minutes=i), "recipient.viewed", names[i % 4], f"203.0.{k % 250}.5"
            )
            for i in range(40)
        ]
        return build_certificate(
            CertificateData(
                document_name=f"Master services agreement {k}.pdf",
                signing_request_id=f"3c90c3cc-0d44-4b50-8888-{k:012d}",
                short_id=f"CnEqURgZ3swzj528KM{k:04d}",
                page_count=500,
                original_sha256=hashlib.sha256(b"original %d" % k).hexdigest(),
                signed_sha256=signed_sha256,
                audit_hash=hashlib.sha256(b"audit %d" % k).hexdigest(),
                installation_name="Signet bench",
                base_url="https://sign.example.com",
                time_zone="Europe/Istanbul",
                created_at=t0,
                sent_at=t0,
                completed_at=t0 + timedelta(hours=1),
                recipients=recipients,
                events=events,
            )
        )

    return build


def _child(pdf_path: str, repeat: int, path: str) -> None:
    import pikepdf
    from reportlab.pdfbase import pdfmetrics

    from signet.pdf.fonts import ensure_fonts_registered
    from signet.pdf.incremental import plan_stamps, stamp_certify_seal
    from signet.pdf.original_hash import OriginalHash
    from signet.pdf.seal import seal_pdf
    from signet.pdf.seal_keys import load_or_create_seal
    from signet.pdf.stamp import stamp_values

    original = Path(pdf_path).read_bytes()
    with pikepdf.open(io.BytesIO(original)) as pdf:
        pages = len(pdf.pages)
    identity = load_or_create_seal(Path(tempfile.mkdtemp()), None, None)
    pngs = [Path(p).read_bytes() for p in os.environ["SEAL_BENCH_PNGS"].split(os.pathsep)]
    values = stamp_bench._values(pages, pngs[0])
    certificate = _certificate_factory(pngs)

    def sealing(variant: str) -> dict[str, Any]:
        metadata = {
            "signing_request_id": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
            "variant": variant,
            "completed_at": "2026-11-21T10:00:00+00:00",
            "signers": [],
        }
        return {"reason": "bench", "location": None, "tsa_url": None, "metadata": metadata}

    def seal(data: bytes, variant: str) -> bytes:
        return seal_pdf(data, identity, **sealing(variant))

    def stamped(
        cert: bytes | None, variant: str, layout: Any = values, hashed: Any = None
    ) -> bytes:
        if path == "old":
            return seal(stamp_values(original, values, cert), variant)
        kwargs = sealing(variant)
        return stamp_certify_seal(original, layout, cert, identity, original_hash=hashed, **kwargs)

    cert_times: list[float] = []

    def final() -> bytes:
        start = time.perf_counter()
        cert = certificate("0" * 64)
        cert_times.append(time.perf_counter() - start)
        return stamped(cert, "final")

    def all_three() -> bytes:
        # As build_final_files: one hash of the original and one stamp plan (page lookup +
        # overlay) for both stamped files, and the SHA-256 of every file it makes.
        if path == "new":
            hashed = OriginalHash(original)
            layout = plan_stamps(original, values)
            document_only = stamped(None, "document_only", layout, hashed)
            cert = certificate(hashed.hexdigest_of(document_only))
            out = stamped(cert, "final", layout, hashed)
            hashed.hexdigest_of(out)
        else:
            document_only = stamped(None, "document_only")
            cert = certificate(hashlib.sha256(document_only).hexdigest())
            out = stamped(cert, "final")
            hashlib.sha256(out).hexdigest()
        hashlib.sha256(seal(cert, "certificate_only")).hexdigest()
        return out

    # Cold: the first final file of this process, with the fonts still to register.
    assert not pdfmetrics.getRegisteredFontNames(), "the child's fonts must start cold"
    start = time.perf_counter()
    ensure_fonts_registered()
    final()
    cold = time.perf_counter() - start
    all_three()  # warm every code path once, untimed
    cert_times.clear()
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # VmHWM from here on is the work's own peak
    timings: dict[str, list[tuple[float, float]]] = {"final": [], "all": []}
    out = b""
    for _ in range(repeat):
        for name, fn in (("final", final), ("all", all_three)):
            wall, cpu = time.perf_counter(), time.process_time()
            out = fn()
            timings[name].append((time.perf_counter() - wall, time.process_time() - cpu))
    print(
        json.dumps(
            {
                "final": timings["final"],
                "all": timings["all"],
                "certificate": cert_times,
                "cold": cold,
                "peak_mb": stamp_bench._memory_mb("VmHWM"),
                "prefix": out.startswith(original),
            }
        )
    )


def _qpdf(path: Path, out: Path, repeat: int) -> list[tuple[float, float]]:
    """(wall, CPU) seconds of each ``qpdf in out`` run, into a new file; empty without qpdf."""
    qpdf = shutil.which("qpdf")
    target = out / "qpdf.pdf"
    runs = []
    for _ in range(repeat if qpdf else 0):
        target.unlink(missing_ok=True)  # not timed: a copy is made into a new file
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([str(qpdf), str(path), str(target)], check=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        runs.append((wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime))
    return runs


def _run_child(path: Path, repeat: int, which: str, pngs: list[Path]) -> dict[str, Any]:
    env = {**os.environ, "SEAL_BENCH_PNGS": os.pathsep.join(map(str, pngs))}
    child = subprocess.run(
        [sys.executable, __file__, "--child", str(path), "--repeat", str(repeat), "--path", which],
        check=True, capture_output=True, text=True, env=env,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
    return result


class _Runs:
    """One path's runs over all rounds, and the figures the table shows."""

    def __init__(self) -> None:
        self.final: list[tuple[float, float]] = []
        self.all: list[tuple[float, float]] = []
        self.certificate: list[float] = []
        self.cold: list[float] = []
        self.peak_mb = 0.0

    def add(self, child: dict[str, Any]) -> None:
        self.final += [tuple(r) for r in child["final"]]
        self.all += [tuple(r) for r in child["all"]]
        self.certificate += child["certificate"]
        self.cold.append(child["cold"])
        self.peak_mb = max(self.peak_mb, child["peak_mb"])

    def median(self, runs: list[tuple[float, float]], cpu: bool = False) -> float:
        return statistics.median(r[1 if cpu else 0] for r in runs)

    def best(self) -> float:
        return min(w for w, _ in self.final)

    def without_certificate(self) -> float:
        pairs = zip(self.final, self.certificate, strict=True)
        return statistics.median(w - c for (w, _), c in pairs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2, help="runs per child process")
    parser.add_argument("--rounds", type=int, default=4, help="child processes per path")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--path", choices=("new", "old"), default="new", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.repeat, args.path)
        return
    out = ROOT / "bench" / "out" / "seal"
    out.mkdir(parents=True, exist_ok=True)
    stamp_bench.OUT = out
    pngs = _signature_pngs(out)
    print(f"load average before: {_load()}")
    cases = [
        ("1 page", stamp_bench._text_pdf(1)),
        ("50 pages", stamp_bench._text_pdf(50)),
        ("500 pages", stamp_bench._text_pdf(500)),
        ("20 MB images", stamp_bench._image_pdf(20.0)),
    ]
    print(
        f"{'document':13} {'size':>6} {'qpdf':>7} {'final':>7} {'ratio':>6} {'best':>6} "
        f"{'cpu':>6} {'-cert':>6} {'3 files':>8} {'RSS':>7} {'cold':>6} | {'old final':>9} "
        f"{'ratio':>6} {'best':>6} {'-cert':>6} {'3 files':>8} {'RSS':>7} {'cold':>6}"
    )
    for name, data in cases:
        path = out / f"{name.replace(' ', '_')}.pdf"
        path.write_bytes(data)
        floor: list[tuple[float, float]] = []
        new, old = _Runs(), _Runs()
        # Rounds interleave the paths (and qpdf), so a busy spell on the machine hits all alike.
        for round_ in range(args.rounds):
            floor += _qpdf(path, out, args.repeat)
            order = [("new", new), ("old", old)]
            for which, runs in order if round_ % 2 == 0 else order[::-1]:
                child = _run_child(path, args.repeat, which, pngs)
                assert which == "old" or child["prefix"], "the new path may only append"
                runs.add(child)
        q_wall = statistics.median(w for w, _ in floor) if floor else float("nan")
        q_best = min((w for w, _ in floor), default=float("nan"))
        q_cpu = statistics.median(c for _, c in floor) if floor else float("nan")
        cells = []
        for runs, first in ((new, True), (old, False)):
            final = runs.median(runs.final)
            cells.append(
                f"{final:{6 if first else 8}.3f}s {final / q_wall:5.2f}x "
                + f"{runs.best() / q_best:5.2f}x "
                + (f"{runs.median(runs.final, cpu=True) / q_cpu:5.2f}x " if first else "")
                + f"{runs.without_certificate() / q_wall:5.2f}x "
                f"{runs.median(runs.all):7.3f}s {runs.peak_mb:4.0f}MiB "
                f"{statistics.median(runs.cold):5.3f}s"
            )
        print(f"{name:13} {len(data) / 1e6:5.1f}M {q_wall:6.3f}s {cells[0]} | {cells[1]}")
    print(_LEGEND + f"load average after: {_load()}")


_LEGEND = """
ratio = median final / median qpdf wall time (qpdf into a new file; see the docstring);
best = ratio with the fastest run of each; cpu = median final process CPU / median qpdf CPU
(steadier on a busy machine); -cert = final without building the certificate (stamps +
certificate pages + seal) / qpdf wall time; cold = median first final file of a fresh process,
font registration included (wall time).
targets, on the warm figures: final <= 1.5x qpdf at 500 pages and at 20 MB; peak < 300 MiB at
20 MB
"""


def _load() -> str:
    return " ".join(f"{n:.2f}" for n in os.getloadavg()) + f" on {os.cpu_count()} cores"


if __name__ == "__main__":
    main()
