"""Benchmark: stamp + certify + seal, against the floor of a plain ``qpdf`` copy.

For generated documents of 1, 50 and 500 pages and a ~20 MB image-heavy PDF, with 3 fields on
each of 10 pages, each case in a fresh subprocess (after imports, fonts and the seal key are
warm, as in a running worker):

* floor: ``qpdf in.pdf out.pdf`` (no linearize);
* final: build the certificate, open + stamp + append it + save once, then one PAdES seal
  (incremental, EC key, ``bytes_reserved`` set) — the final PDF as the finalisation job makes it;
* all three: final + document-only + certificate-only, each sealed (what the job really does);
* peak RSS (VmHWM) of the subprocess during the work.

Prints figures, asserts nothing. Run: ``.venv/bin/python bench/seal.py`` (``--repeat N``).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

import stamp as stamp_bench  # noqa: E402  (bench/stamp.py: document generators)


def _child(pdf_path: str, repeat: int) -> None:
    import pikepdf

    from signet.pdf.fonts import ensure_fonts_registered
    from signet.pdf.seal import seal_pdf
    from signet.pdf.seal_keys import load_or_create_seal
    from signet.pdf.stamp import stamp_values

    original = Path(pdf_path).read_bytes()
    with pikepdf.open(io.BytesIO(original)) as pdf:
        pages = len(pdf.pages)
    values = stamp_bench._values(pages)
    ensure_fonts_registered()
    identity = load_or_create_seal(Path(tempfile.mkdtemp()), None, None)
    meta = {
        "signing_request_id": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
        "variant": "final",
        "completed_at": "2026-11-21T10:00:00+00:00",
        "signers": [],
    }
    stamp_bench._certificate()  # warm the certificate path once
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # VmHWM from here on is the work's own peak
    finals, alls = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        cert, _ = stamp_bench._certificate()
        final = seal_pdf(
            stamp_values(original, values, cert),
            identity,
            reason="bench",
            location=None,
            tsa_url=None,
            metadata=meta,
        )
        finals.append(time.perf_counter() - start)

        start = time.perf_counter()
        doc_only = seal_pdf(
            stamp_values(original, values),
            identity,
            reason="bench",
            location=None,
            tsa_url=None,
            metadata=meta,
        )
        hashlib.sha256(doc_only).hexdigest()
        cert, _ = stamp_bench._certificate()
        final = seal_pdf(
            stamp_values(original, values, cert),
            identity,
            reason="bench",
            location=None,
            tsa_url=None,
            metadata=meta,
        )
        seal_pdf(cert, identity, reason="bench", location=None, tsa_url=None, metadata=meta)
        alls.append(time.perf_counter() - start)
    print(
        json.dumps(
            {
                "final": statistics.median(finals),
                "all": statistics.median(alls),
                "peak_mb": stamp_bench._memory_mb("VmHWM"),
                "pages": pages,
                "out_mb": len(final) / 1e6,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.repeat)
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
        f"{'document':14} {'size':>8} {'qpdf':>8} {'final':>8} {'ratio':>6} "
        f"{'3 files':>8} {'peak RSS':>9}"
    )
    for name, data in cases:
        path = out / f"{name.replace(' ', '_')}.pdf"
        path.write_bytes(data)
        floor = stamp_bench._qpdf(path, args.repeat) or float("nan")
        res = json.loads(
            subprocess.run(
                [sys.executable, __file__, "--child", str(path), "--repeat", str(args.repeat)],
                check=True,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        print(
            f"{name:14} {len(data) / 1e6:7.1f}M {floor:7.3f}s {res['final']:7.3f}s "
            f"{res['final'] / floor:5.2f}x {res['all']:7.3f}s {res['peak_mb']:7.0f}MiB"
        )
    print("\ntargets: final <= 1.5x qpdf at 500 pages and at 20 MB; peak < 300 MiB at 20 MB")


if __name__ == "__main__":
    main()
