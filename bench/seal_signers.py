"""``bench/seal.py --signers 1,5``: the three files of a request with per-signer signatures.

For each document of ``bench/seal.py`` and each signer count, in a fresh subprocess (imports,
fonts, seal key and signing CA warm, one untimed run), the work of ``build_final_files``:

* seal only: what it does with ``signature_per_signer`` off (one incremental update with the
  stamps, certificate pages and seal per stamped file; the certificate sealed alone);
* N signers: the same with the setting on: a key and certificate per signer (made once per
  request, as the job does), then for the document-only and final files the first signer's
  signature on the stamps update, one update per later signer, and the seal on top.

Prints wall-clock medians and the cost per signer; asserts nothing.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import seal as seal_bench  # bench/seal.py
import stamp as stamp_bench  # bench/stamp.py


def child(pdf_path: str, repeat: int, signers: int) -> None:
    import pikepdf

    from signet.pdf.fonts import ensure_fonts_registered
    from signet.pdf.incremental import plan_stamps, stamp_certify_seal, update_preparer
    from signet.pdf.original_hash import OriginalHash
    from signet.pdf.seal import seal_pdf
    from signet.pdf.seal_keys import load_or_create_seal
    from signet.pdf.signer_signature import SignerMark, add_signer_signatures, signer_certificate
    from signet.pdf.signing_ca import load_or_create_signing_ca

    original = Path(pdf_path).read_bytes()
    with pikepdf.open(io.BytesIO(original)) as pdf:
        pages = len(pdf.pages)
    data_dir = Path(tempfile.mkdtemp())
    identity = load_or_create_seal(data_dir, None, None)
    ca = load_or_create_signing_ca(data_dir)
    pngs = [Path(p).read_bytes() for p in os.environ["SEAL_BENCH_PNGS"].split(os.pathsep)]
    # "Seal only" (0 signer signatures) still stamps and certifies one signer's values.
    values = seal_bench._values(pages, pngs, max(signers, 1))
    certificate = seal_bench._certificate_factory(pngs, max(signers, 1))
    marks = [
        SignerMark(f"Signer {i}", f"signer{i}@example.com", 1, 5 + 18 * (i % 5), 80, 15, 8)
        for i in range(signers)
    ]

    def sealing(variant: str) -> dict[str, Any]:
        metadata = {"signing_request_id": "bench", "variant": variant, "signers": []}
        return {"reason": "bench", "location": None, "tsa_url": None, "metadata": metadata}

    def three_files() -> None:
        hashed = OriginalHash(original)
        layout = plan_stamps(original, values)
        keys = [signer_certificate(ca, m.name, m.email) for m in marks]

        def stamped(cert: bytes | None, variant: str) -> bytes:
            if not marks:
                return stamp_certify_seal(
                    original, layout, cert, identity, original_hash=hashed, **sealing(variant)
                )
            first = update_preparer(original, layout, cert)
            signed = add_signer_signatures(first, original, marks, keys, ca)
            return seal_pdf(signed, identity, **sealing(variant))

        document_only = stamped(None, "document_only")
        hashed.hexdigest_of(document_only)
        cert = certificate()
        final = stamped(cert, "final")
        hashed.hexdigest_of(final)
        hashlib.sha256(seal_pdf(cert, identity, **sealing("certificate_only"))).hexdigest()

    ensure_fonts_registered()
    three_files()  # warm, untimed
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        three_files()
        runs.append(time.perf_counter() - start)
    print(json.dumps({"runs": runs}))


def _run(path: Path, repeat: int, signers: int, pngs: list[Path]) -> list[float]:
    env = {**os.environ, "SEAL_BENCH_PNGS": os.pathsep.join(map(str, pngs))}
    out = subprocess.run(
        [sys.executable, seal_bench.__file__, "--signers-child", str(path),
         "--repeat", str(repeat), "--signers", str(signers)],
        check=True, capture_output=True, text=True, env=env,
    )  # fmt: skip
    runs: list[float] = json.loads(out.stdout.strip().splitlines()[-1])["runs"]
    return runs


def main(counts: list[int], rounds: int, repeat: int) -> None:
    out = seal_bench.ROOT / "bench" / "out" / "seal"
    out.mkdir(parents=True, exist_ok=True)
    stamp_bench.OUT = out
    pngs = seal_bench._signature_pngs(out)
    print(f"load average before: {seal_bench._load()}")
    cases = [
        ("1 page", stamp_bench._text_pdf(1)),
        ("50 pages", stamp_bench._text_pdf(50)),
        ("500 pages", stamp_bench._text_pdf(500)),
        ("20 MB images", stamp_bench._image_pdf(20.0)),
    ]
    header = f"{'document':13} {'size':>6} {'seal only':>10}"
    for n in counts:
        header += f" {f'{n} signer' + ('s' if n > 1 else ''):>10} {'per signer':>10}"
    print(header + "   (3 files, wall-clock medians)")
    for name, data in cases:
        path = out / f"{name.replace(' ', '_')}.pdf"
        path.write_bytes(data)
        times: dict[int, list[float]] = {0: [], **{n: [] for n in counts}}
        for round_ in range(rounds):  # interleaved, so a busy spell hits all counts alike
            order = [0, *counts]
            for n in order if round_ % 2 == 0 else order[::-1]:
                times[n] += _run(path, repeat, n, pngs)
        base = statistics.median(times[0])
        line = f"{name:13} {len(data) / 1e6:5.1f}M {base:9.3f}s"
        for n in counts:
            with_signers = statistics.median(times[n])
            line += f" {with_signers:9.3f}s {(with_signers - base) / n:9.3f}s"
        print(line)
    print(f"load average after: {seal_bench._load()}")
