"""Benchmark: stamp + certify + seal, against the floor of a plain ``qpdf`` copy.

For generated documents of 1, 50 and 500 pages and a ~20 MB image-heavy PDF, with 3 fields on
each of 10 pages, each case and each path in a fresh subprocess (after imports, fonts and the
seal key are warm, and one untimed run, as in a running worker):

* floor: ``qpdf in.pdf out.pdf`` (no linearize);
* final: build the certificate, then ``stamp_certify_seal``: stamps, certificate pages and one
  PAdES seal as a single incremental update appended to the original (``incremental.py``) — the
  final PDF as the finalisation job makes it; ``-cert`` is the same without building the
  certificate (stamps, certificate pages and seal only);
* 3 files: what ``build_final_files`` does — one stamp plan (page lookup and overlay, shared),
  document-only (stamps + seal), its SHA-256 for the certificate, the certificate, final, and
  certificate-only (seal of the certificate);
* old final / old 3 files: the same with the previous path, pikepdf open + stamp + append +
  full rewrite (``stamp_values``), then ``seal_pdf``; for comparison;
* peak RSS (VmHWM) of the subprocess during the work, for each path.

The certificate is built from signature PNGs rendered once up front: finalisation takes the
signers' PNGs from the database and renders none (``bench/stamp.py``'s certificate factory
renders four per call, ~0.1 s, which would be measured as certificate time here).

Times are wall-clock medians; ``best`` compares the fastest runs, and ``cpu`` the same runs'
process CPU time (qpdf's from its rusage), both steadier than medians on a busy machine. Prints
figures, asserts nothing. Run: ``.venv/bin/python bench/seal.py`` (``--rounds N``: child
processes per path, interleaved with the other path and qpdf; ``--repeat N``: runs in each).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
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


def _certificate_factory() -> Callable[[str], bytes]:
    """A certificate builder like bench/stamp.py's, but with the signature PNGs made once."""
    from signet.pdf.certificate import build_certificate
    from signet.pdf.evidence import CertificateData, CertificateEvent, CertificateRecipient
    from signet.pdf.fonts import render_typed_signature

    pngs = [render_typed_signature(name, 400, 120) for name in _NAMES]
    t0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)

    def build(signed_sha256: str) -> bytes:
        recipients = [
            CertificateRecipient(
                name=name,
                email=f"r{i}@example.com",
                designation="Signer",
                order=i + 1,
                ip="203.0.113.5",
                user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/131.0",
                sent_at=t0,
                viewed_at=t0 + timedelta(minutes=3),
                signed_at=t0 + timedelta(minutes=5 + i),
                signature_png=png,
                signature_id=f"00000000-0000-4000-8000-00000000000{i}",
            )
            for i, (name, png) in enumerate(zip(_NAMES, pngs, strict=True))
        ]
        events = [
            CertificateEvent(
                t0 + timedelta(minutes=i), "recipient.viewed", _NAMES[i % 4], "203.0.113.5"
            )
            for i in range(40)
        ]
        return build_certificate(
            CertificateData(
                document_name="Master services agreement.pdf",
                signing_request_id="3c90c3cc-0d44-4b50-8888-8dd25736052a",
                short_id="CnEqURgZ3swzj528KMLvX5",
                page_count=500,
                original_sha256="9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                signed_sha256=signed_sha256,
                audit_hash="fd61a03af4f77d870fc21e05e7e80678095c92d808cfb3b5c279ee04c74aca13",
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

    from signet.pdf.fonts import ensure_fonts_registered
    from signet.pdf.incremental import plan_stamps, stamp_certify_seal
    from signet.pdf.seal import seal_pdf
    from signet.pdf.seal_keys import load_or_create_seal
    from signet.pdf.stamp import stamp_values

    original = Path(pdf_path).read_bytes()
    with pikepdf.open(io.BytesIO(original)) as pdf:
        pages = len(pdf.pages)
    values = stamp_bench._values(pages)
    ensure_fonts_registered()
    identity = load_or_create_seal(Path(tempfile.mkdtemp()), None, None)
    certificate = _certificate_factory()

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

    def stamped(cert: bytes | None, variant: str, layout: Any = values) -> bytes:
        if path == "old":
            return seal(stamp_values(original, values, cert), variant)
        return stamp_certify_seal(original, layout, cert, identity, **sealing(variant))

    cert_times: list[float] = []

    def final() -> bytes:
        start = time.perf_counter()
        cert = certificate("0" * 64)
        cert_times.append(time.perf_counter() - start)
        return stamped(cert, "final")

    def all_three() -> bytes:
        # As build_final_files: one stamp plan (page lookup + overlay) for both stamped files.
        layout = plan_stamps(original, values) if path == "new" else values
        document_only = stamped(None, "document_only", layout)
        cert = certificate(hashlib.sha256(document_only).hexdigest())
        out = stamped(cert, "final", layout)
        seal(cert, "certificate_only")
        return out

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
                "peak_mb": stamp_bench._memory_mb("VmHWM"),
                "prefix": out.startswith(original),
            }
        )
    )


def _qpdf(path: Path, out: Path, repeat: int) -> list[tuple[float, float]]:
    """(wall, CPU) seconds of each ``qpdf in out`` run; empty without qpdf."""
    qpdf = shutil.which("qpdf")
    runs = []
    for _ in range(repeat if qpdf else 0):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([str(qpdf), str(path), str(out / "qpdf.pdf")], check=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        runs.append((wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime))
    return runs


def _run_child(path: Path, repeat: int, which: str) -> dict[str, Any]:
    child = subprocess.run(
        [sys.executable, __file__, "--child", str(path), "--repeat", str(repeat), "--path", which],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
    return result


class _Runs:
    """One path's runs over all rounds, and the figures the table shows."""

    def __init__(self) -> None:
        self.final: list[tuple[float, float]] = []
        self.all: list[tuple[float, float]] = []
        self.certificate: list[float] = []
        self.peak_mb = 0.0

    def add(self, child: dict[str, Any]) -> None:
        self.final += [tuple(r) for r in child["final"]]
        self.all += [tuple(r) for r in child["all"]]
        self.certificate += child["certificate"]
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
    cases = [
        ("1 page", stamp_bench._text_pdf(1)),
        ("50 pages", stamp_bench._text_pdf(50)),
        ("500 pages", stamp_bench._text_pdf(500)),
        ("20 MB images", stamp_bench._image_pdf(20.0)),
    ]
    print(
        f"{'document':13} {'size':>6} {'qpdf':>7} {'final':>7} {'ratio':>6} {'best':>6} "
        f"{'cpu':>6} {'-cert':>6} {'3 files':>8} {'RSS':>7} | {'old final':>9} {'ratio':>6} "
        f"{'best':>6} {'-cert':>6} {'3 files':>8} {'RSS':>7}"
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
                child = _run_child(path, args.repeat, which)
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
                f"{runs.best() / q_best:5.2f}x "
                + (f"{runs.median(runs.final, cpu=True) / q_cpu:5.2f}x " if first else "")
                + f"{runs.without_certificate() / q_wall:5.2f}x "
                f"{runs.median(runs.all):7.3f}s {runs.peak_mb:4.0f}MiB"
            )
        print(f"{name:13} {len(data) / 1e6:5.1f}M {q_wall:6.3f}s {cells[0]} | {cells[1]}")
    print(
        "\nratio = median final / median qpdf wall time; best = the same with the fastest run of"
        " each;\ncpu = median final process CPU / median qpdf CPU (steadier on a busy machine);"
        " -cert = final\nwithout building the certificate (stamps + certificate pages + seal)"
        " / qpdf wall time.\ntargets: final <= 1.5x qpdf at 500 pages and at 20 MB; peak < 300"
        " MiB at 20 MB"
    )


if __name__ == "__main__":
    main()
