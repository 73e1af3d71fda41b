"""Benchmark: the final sealed file, per PAdES level and signer count, against a ``qpdf`` copy.

For generated documents of 1, 50 and 500 pages and a ~20 MB image-heavy PDF, each case and each
level in a fresh subprocess (after imports, fonts and the seal key are warm, one untimed run of
each signer count, and the start-up heap frozen as the worker freezes it), it times:

* floor: ``qpdf in.pdf out.pdf`` (no linearize), into a new file as a plain copy makes one
  (overwriting the previous output waits on its writeback and flatters the ratio almost 2x).
  ``final`` makes its bytes in memory; qpdf also writes its copy to a file (about 15 ms for
  20 MB into the page cache on the benchmark machine);
* final: build the certificate of completion, then ``stamp_certify_seal`` (stamps, certificate
  pages and the installation's PAdES seal as one incremental update appended to the original),
  then for B-LTA ``add_long_term_validation`` (validation data and a document timestamp): the
  final PDF as the finalisation job makes it. As the job does, it starts the hash of the
  original (on a thread) before building the certificate;
* levels: B-B (no timestamp), B-T (a signature timestamp) and B-LTA, against a local PKI
  (Certomancer's Animator on 127.0.0.1: CA, OCSP responder, CRLs and TSA, as in
  ``tests/pdf/seal/pki.py``), whose seal certificate every level signs with;
* signers: 1 or 5 signers' stamps (3 fields each on 10 pages), certificate rows and seal
  metadata, sealed by the installation's seal alone ("seal only"), or with per-signer
  signatures (setting ``signature_per_signer``): as finalisation makes them, a key and
  certificate per signer from the installation's signing CA, the first signer's signature on the
  stamps update, one update per later signer, then the seal on top, then B-LTA's step.

Each level's table gives each cell's ratio to the qpdf copy; a last table gives every cell
against the reference: B-B, 1 signer, seal only (what a request seals with the defaults). The
issue's target: B-LTA with 5 per-signer signatures within 3x that reference.

Then, on the 50-page document at B-B: the jitter of 20 warm final files in one process (slowest
/ median), with the start-up heap frozen as the worker does and without; and RSA-2048 against
the generated P-256 key (a 1-page final file).

The certificate is built from signature PNGs rendered once up front (finalisation takes them
from the database); its names, times and hashes change on every run, as from one request to
the next. Times are wall-clock medians; ``best`` compares the fastest runs and ``cpu`` the same
runs' process CPU time (qpdf's from its rusage; the seal hashes the original on a second
thread, so its CPU time can exceed its wall time). On a busy machine the CPU figures are the
steadier ones; the load average is printed before and after. Asserts nothing.

Run: ``.venv/bin/python bench/seal.py`` (``--rounds N`` child processes per cell, interleaved
with qpdf; ``--repeat N`` runs in each). Needs Debian's qpdf (``scripts/ensure-qpdf.sh``).
"""

from __future__ import annotations

import argparse
import base64
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

import seal_signers  # noqa: E402  (bench/seal_signers.py: --signers)
import stamp as stamp_bench  # noqa: E402  (bench/stamp.py: document generators)

_NAMES = ["Jane Doe", "Ayşe Işıkoğlu", "محمد عبد الله", "王小明", "Zoë Müller"]
LEVELS = ("B-B", "B-T", "B-LTA")
SIGNERS = (1, 5)
# The cells of each level: (signer count, per-signer signatures), named "1", "5", "1s", "5s".
VARIANTS = tuple((n, signed) for signed in (False, True) for n in SIGNERS)
REFERENCE = ("B-B", "1")  # B-B, 1 signer, seal only


def _variant(n: int, signed: bool) -> str:
    return f"{n}s" if signed else str(n)


def _variant_label(variant: str) -> str:
    n = int(variant.rstrip("s"))
    plural = "s" if n > 1 else ""
    return f"{n} signer{plural}, " + ("per-signer sigs" if variant.endswith("s") else "seal only")


def _signature_pngs(out: Path) -> list[Path]:
    """The signers' typed signatures, rendered once by the parent for every child to read."""
    from signet.pdf.fonts import render_typed_signature

    paths = [out / f"signature-{i}.png" for i in range(len(_NAMES))]
    for path, name in zip(paths, _NAMES, strict=True):
        path.write_bytes(render_typed_signature(name, 400, 120))
    return paths


def _values(page_count: int, pngs: list[bytes], signers: int) -> list[Any]:
    """Each signer's signature, name and date on 10 pages spread over the document."""
    from signet.pdf.evidence import StampValue

    pages = sorted({1 + (i * page_count) // 10 for i in range(10)})
    values = []
    for s in range(signers):
        sig = "data:image/png;base64," + base64.b64encode(pngs[s]).decode()
        y = 80 - 15 * s
        for page in pages:
            values += [
                StampValue(page, 10, y, 30, 6, "signature", sig),
                StampValue(page, 45, y + 2, 30, 3, "text", f"{_NAMES[s]}, Director"),
                StampValue(
                    page, 80, y + 2, 15, 3, "date", "2026-11-21", date_format="MMM dd, yyyy"
                ),
            ]
    return values


def _certificate_factory(pngs: list[bytes], signers: int) -> Callable[[], bytes]:
    """A certificate builder for ``signers`` recipients; another request on every call."""
    from signet.pdf.certificate import build_certificate
    from signet.pdf.evidence import CertificateData, CertificateEvent, CertificateRecipient

    calls = itertools.count()

    def build() -> bytes:
        k = next(calls)
        t0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC) + timedelta(days=k, seconds=37 * k)
        names = [f"{name} {k}" for name in _NAMES[:signers]]
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
            for i, (name, png) in enumerate(zip(names, pngs, strict=False))
        ]
        events = [
            CertificateEvent(
                t0 + timedelta(minutes=i), "recipient.viewed", names[i % signers], "203.0.113.5"
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
                signed_sha256=hashlib.sha256(b"signed %d" % k).hexdigest(),
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


def _final_maker(
    original: bytes,
    identity: Any,
    pngs: list[bytes],
    signers: int,
    level: str,
    tsa: str | None,
    signing_ca: Any = None,
) -> Callable[[], bytes]:
    """The final file as the finalisation job makes it, for one signer count and level; with
    ``signing_ca``, with one per-signer signature per signer before the seal."""
    import pikepdf

    from signet.pdf.incremental import plan_stamps, stamp_certify_seal, update_preparer
    from signet.pdf.original_hash import OriginalHash
    from signet.pdf.seal import seal_pdf
    from signet.pdf.seal_lta import add_long_term_validation
    from signet.pdf.signer_signature import SignerMark, signer_certificate

    try:  # a tree before the signers' hash was handed to the seal
        from signet.pdf.signer_signature import signer_signatures_hashed
    except ImportError:
        from signet.pdf.signer_signature import add_signer_signatures

        def signer_signatures_hashed(*args: Any, original_hash: Any = None) -> Any:
            return add_signer_signatures(*args), None

    with pikepdf.open(io.BytesIO(original)) as pdf:
        pages = len(pdf.pages)
    values = _values(pages, pngs, signers)
    certificate = _certificate_factory(pngs, signers)
    tsa_url = tsa if level != "B-B" else None
    metadata = {
        "signing_request_id": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
        "variant": "final",
        "completed_at": "2026-11-21T10:00:00+00:00",
        "signers": [
            {"name": n, "email": f"s{i}@example.com", "signed_at": "2026-11-21T09:59:00+00:00"}
            for i, n in enumerate(_NAMES[:signers])
        ],
    }

    # Each signer's mark: their signature on the first stamped page (as finalisation's mark_of).
    per_signer = len(values) // signers  # _values: each signer's values in a row, mark first
    marks = [
        SignerMark(n, f"s{i}@example.com", v.page_number, v.x, v.y, v.width, v.height)
        for i, (n, v) in enumerate(zip(_NAMES[:signers], values[::per_signer], strict=True))
    ]

    def final() -> bytes:
        # As build_final_files: the original's hash starts first, on its thread, and runs while
        # the certificate is built.
        hashed = OriginalHash(original)
        if signing_ca is None:
            out = stamp_certify_seal(
                original, values, certificate(), identity, original_hash=hashed,
                reason="bench", location=None, tsa_url=tsa_url, metadata=metadata,
            )  # fmt: skip
        else:  # as build_final_files' signed_by_signers, keys made for this request
            keys = [signer_certificate(signing_ca, m.name, m.email) for m in marks]
            plan = plan_stamps(original, values)
            first = update_preparer(original, plan, certificate())
            signed, signed_hash = signer_signatures_hashed(
                first, original, marks, keys, signing_ca, original_hash=hashed
            )
            out = seal_pdf(
                signed, identity, reason="bench", location=None, tsa_url=tsa_url,
                metadata=metadata, original=signed_hash,
            )  # fmt: skip
        if level == "B-LTA":
            assert tsa is not None
            out = add_long_term_validation(out, identity, tsa)
        return out

    return final


def _worker_start() -> None:
    """What a worker process holds before its first job: the app's modules, wired, and its
    start-up heap frozen (a tree without ``freeze_startup_heap`` does not freeze it)."""
    import signet.app  # noqa: F401  (the modules a worker imports)
    from signet.wiring import wire

    wire()
    try:
        from signet.jobs.worker import freeze_startup_heap
    except ImportError:
        return
    freeze_startup_heap()


def _timed(fn: Callable[[], bytes]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def _pngs_from_env() -> list[bytes]:
    return [Path(p).read_bytes() for p in os.environ["SEAL_BENCH_PNGS"].split(os.pathsep)]


def _child_cell(pdf: str, level: str, repeat: int, p12: str, tsa: str) -> dict[str, Any]:
    """One document at one level: ``repeat`` final files per signer count, interleaved."""
    from signet.pdf.fonts import ensure_fonts_registered
    from signet.pdf.seal_keys import load_or_create_seal
    from signet.pdf.signing_ca import load_or_create_signing_ca

    original = Path(pdf).read_bytes()
    identity = load_or_create_seal(Path(p12).parent, p12, None)
    ca = load_or_create_signing_ca(Path(tempfile.mkdtemp()))
    pngs = _pngs_from_env()
    ensure_fonts_registered()
    makers = {
        _variant(n, signed): _final_maker(
            original, identity, pngs, n, level, tsa, ca if signed else None
        )
        for n, signed in VARIANTS
    }
    for make in makers.values():
        assert make().startswith(original), "the final file may only append"
    _worker_start()
    runs: dict[str, list[tuple[float, float]]] = {v: [] for v in makers}
    for _ in range(repeat):
        for v, make in makers.items():
            runs[v].append(_timed(make))
    return runs


def _child_jitter(pdf: str, freeze: bool, seals: int) -> dict[str, Any]:
    """``seals`` warm final files in a row in one process, as a worker makes them; and what the
    collector's full passes cost there (those that fell in the runs, and one forced after)."""
    import gc

    import signet.app  # noqa: F401  (a worker's heap: the app's modules)
    from signet.pdf.fonts import ensure_fonts_registered
    from signet.pdf.seal_keys import load_or_create_seal

    original = Path(pdf).read_bytes()
    identity = load_or_create_seal(Path(tempfile.mkdtemp()), None, None)
    ensure_fonts_registered()
    make = _final_maker(original, identity, _pngs_from_env(), 1, "B-B", None)
    make()
    make()
    if freeze:
        _worker_start()
    full: list[float] = []
    started: list[float] = []

    def watch(phase: str, info: dict[str, int]) -> None:
        if info["generation"] == 2:
            if phase == "start":
                started.append(time.process_time())
            else:
                full.append(time.process_time() - started.pop())

    gc.callbacks.append(watch)
    runs = [_timed(make) for _ in range(seals)]
    in_runs = list(full)
    gc.collect()
    return {"runs": runs, "full": in_runs, "forced": full[-1], "tracked": len(gc.get_objects())}


def _child_keys(pdf: str, repeat: int) -> dict[str, Any]:
    """The same final file sealed with the generated P-256 key and with an RSA-2048 PKCS#12."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    from signet.pdf.fonts import ensure_fonts_registered
    from signet.pdf.seal_keys import load_or_create_seal

    sys.path.insert(0, str(ROOT / "tests"))
    from fixtures.seal_p12 import self_signed_p12

    data_dir = Path(tempfile.mkdtemp())
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    p12 = data_dir / "rsa.p12"
    p12.write_bytes(self_signed_p12(key, "RSA bench seal"))
    identities = {
        "ec": load_or_create_seal(data_dir, None, None),
        "rsa": load_or_create_seal(data_dir, str(p12), None),
    }
    original = Path(pdf).read_bytes()
    pngs = _pngs_from_env()
    ensure_fonts_registered()
    makers = {k: _final_maker(original, i, pngs, 1, "B-B", None) for k, i in identities.items()}
    for make in makers.values():
        make()
    _worker_start()
    runs: dict[str, list[tuple[float, float]]] = {k: [] for k in makers}
    for _ in range(repeat):
        for k, make in makers.items():
            runs[k].append(_timed(make))
    return runs


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


def _run_child(pngs: list[Path], *args: str) -> dict[str, Any]:
    env = {**os.environ, "SEAL_BENCH_PNGS": os.pathsep.join(map(str, pngs))}
    child = subprocess.run(
        [sys.executable, __file__, "--child", *args],
        check=True, capture_output=True, text=True, env=env,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
    return result


def _median(runs: list[tuple[float, float]], cpu: bool = False) -> float:
    return statistics.median(r[1 if cpu else 0] for r in runs) if runs else float("nan")


def _best(runs: list[tuple[float, float]]) -> float:
    return min((r[0] for r in runs), default=float("nan"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per child process")
    parser.add_argument("--rounds", type=int, default=2, help="child processes per cell")
    parser.add_argument("--only", help="run only the documents whose name contains this")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument(
        "--signers",
        help="per-signer signatures instead: signer counts to measure, e.g. 1,5 "
        "(bench/seal_signers.py)",
    )
    parser.add_argument("--signers-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.signers_child:
        seal_signers.child(args.signers_child, args.repeat, int(args.signers))
        return
    if args.signers:
        counts = [int(n) for n in args.signers.split(",")]
        seal_signers.main(counts, args.rounds, args.repeat)
        return
    if args.child:
        kind, *rest = args.child
        if kind == "cell":
            pdf, level, repeat, p12, tsa = rest
            print(json.dumps(_child_cell(pdf, level, int(repeat), p12, tsa)))
        elif kind == "jitter":
            pdf, freeze, seals = rest
            print(json.dumps(_child_jitter(pdf, freeze == "freeze", int(seals))))
        else:
            pdf, repeat = rest
            print(json.dumps(_child_keys(pdf, int(repeat))))
        return

    sys.path.insert(0, str(ROOT / "tests"))
    from pdf.seal.pki import CertomancerPki  # the tests' local PKI: CA, OCSP, CRL, TSA

    out = ROOT / "bench" / "out" / "seal"
    out.mkdir(parents=True, exist_ok=True)
    stamp_bench.OUT = out
    pngs = _signature_pngs(out)
    if shutil.which("qpdf") is None:
        print("qpdf not found: the ratios are NaN (scripts/ensure-qpdf.sh installs it)")
    print(f"load average before: {_load()}")
    cases = [
        ("1 page", lambda: stamp_bench._text_pdf(1)),
        ("50 pages", lambda: stamp_bench._text_pdf(50)),
        ("500 pages", lambda: stamp_bench._text_pdf(500)),
        ("20 MB images", lambda: stamp_bench._image_pdf(20.0)),
    ]
    paths: dict[str, Path] = {}
    for name, make in cases:
        if args.only and args.only not in name and name != "50 pages" and name != "1 page":
            continue
        paths[name] = out / f"{name.replace(' ', '_')}.pdf"
        paths[name].write_bytes(make())

    pki = CertomancerPki(Path(tempfile.mkdtemp(prefix="seal-bench-pki-")))
    try:
        p12 = out / "pki-seal.p12"
        p12.write_bytes(pki.p12())
        results = _levels(args, paths, pngs, str(p12), pki.tsa_url)
    finally:
        pki.close()
    _print_levels(paths, results)
    _print_jitter(paths["50 pages"], pngs)
    _print_keys(paths["1 page"], pngs, args.rounds * args.repeat * 2)
    print(_LEGEND + f"load average after: {_load()}")


def _levels(
    args: argparse.Namespace, paths: dict[str, Path], pngs: list[Path], p12: str, tsa: str
) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for name, path in paths.items():
        if args.only and args.only not in name:
            continue
        floor: list[tuple[float, float]] = []
        cells: dict[str, dict[str, list[tuple[float, float]]]] = {
            level: {_variant(*v): [] for v in VARIANTS} for level in LEVELS
        }
        # Rounds interleave the levels and qpdf, so a busy spell on the machine hits all alike.
        for round_ in range(args.rounds):
            floor += _qpdf(path, path.parent, args.repeat)
            order = LEVELS if round_ % 2 == 0 else LEVELS[::-1]
            for level in order:
                child = _run_child(pngs, "cell", str(path), level, str(args.repeat), p12, tsa)
                for n, runs in child.items():
                    cells[level][n] += [tuple(r) for r in runs]
        results[name] = {"floor": floor, "cells": cells}
    return results


def _print_levels(paths: dict[str, Path], results: dict[str, Any]) -> None:
    print(
        "\nfinal file / qpdf copy of the same input: median wall time, ratio, best-run ratio, "
        "CPU ratio"
    )
    variants = [_variant(*v) for v in VARIANTS]
    head = " | ".join(f"{_variant_label(v):>27}" for v in variants)
    for level in LEVELS:
        print(f"\n{level:6} {'document':13} {'size':>6} {'qpdf':>7} | {head}")
        for name, result in results.items():
            floor = result["floor"]
            q_wall, q_cpu, q_best = _median(floor), _median(floor, cpu=True), _best(floor)
            cells = []
            for v in variants:
                runs = result["cells"][level][v]
                wall = _median(runs)
                cells.append(
                    f"{wall:6.3f}s {wall / q_wall:5.2f}x {_best(runs) / q_best:5.2f}x "
                    f"{_median(runs, cpu=True) / q_cpu:5.2f}x"
                )
            size = paths[name].stat().st_size / 1e6
            print(f"{'':6} {name:13} {size:5.1f}M {q_wall:6.3f}s | " + " | ".join(cells))
    ref_level, ref_variant = REFERENCE
    print(
        f"\nagainst {ref_level}, {_variant_label(ref_variant)}: median CPU time, its ratio "
        "(wall ratio); target for B-LTA with 5 per-signer signatures: <= 3x"
    )
    print(f"{'':6} {'document':13} {'reference':>10} | {head}")
    for name, result in results.items():
        cells = result["cells"]
        ref = cells[ref_level][ref_variant]
        ref_cpu, ref_wall = _median(ref, cpu=True), _median(ref)
        print(f"{'':6} {name:13} {ref_cpu * 1e3:7.1f} ms |")
        for level in LEVELS:
            row = []
            for v in variants:
                runs = cells[level][v]
                cpu = _median(runs, cpu=True)
                row.append(
                    f"{cpu * 1e3:7.1f} ms {cpu / ref_cpu:5.2f}x ({_median(runs) / ref_wall:5.2f}x)"
                )
            print(f"{'':6}   {level:11} {'':10} | " + " | ".join(f"{c:>27}" for c in row))


def _print_jitter(path: Path, pngs: list[Path], seals: int = 20) -> None:
    print(f"\njitter: {seals} warm final files in a row (50 pages, B-B, 1 signer), one process")
    for mode in ("freeze", "no-freeze"):
        child = _run_child(pngs, "jitter", str(path), mode, str(seals))
        runs = child["runs"]
        figures = []
        for label, i in (("wall", 0), ("cpu", 1)):
            values = [r[i] for r in runs]
            med = statistics.median(values)
            figures.append(
                f"{label} median {med * 1e3:5.1f} ms, max {max(values) * 1e3:5.1f} ms "
                f"({max(values) / med:4.2f}x)"
            )
        heap = "start-up heap frozen" if mode == "freeze" else "heap not frozen     "
        print(f"       {heap}: " + "; ".join(figures))
        print(
            f"       {'':20}  full collections in the runs: {len(child['full'])} "
            f"({', '.join(f'{t * 1e3:.0f}' for t in child['full']) or '-'} ms CPU); "
            f"one now: {child['forced'] * 1e3:.0f} ms over {child['tracked']} objects"
        )


def _print_keys(path: Path, pngs: list[Path], repeat: int) -> None:
    runs = _run_child(pngs, "keys", str(path), str(repeat))
    ec, rsa = runs["ec"], runs["rsa"]
    print(f"\nseal key: a 1-page final file (B-B, 1 signer), {repeat} runs each, one process")
    for label, cpu in (("wall", False), ("cpu", True)):
        e, r = _median(ec, cpu) * 1e3, _median(rsa, cpu) * 1e3
        print(f"       {label}: P-256 {e:6.1f} ms, RSA-2048 {r:6.1f} ms, RSA - EC {r - e:+6.1f} ms")


_LEGEND = """
ratio = median final / median qpdf wall time (qpdf into a new file; see the docstring); the
best-run ratio compares the fastest run of each; CPU ratio = median final process CPU / median
qpdf CPU (steadier on a busy machine). Jitter = slowest / median of the 20 runs.
targets: final <= 1.0x qpdf at 20 MB (B-B); RSA within 5 ms of EC; jitter <= 1.3x
"""


def _load() -> str:
    return " ".join(f"{n:.2f}" for n in os.getloadavg()) + f" on {os.cpu_count()} cores"


if __name__ == "__main__":
    main()
