"""Benchmark: what each PAdES level costs per sealed file, against a local PKI.

Certomancer's Animator (CA, intermediate, OCSP, CRLs, TSA; the test PKI of
``tests/pdf/seal/pki.py``) on a free 127.0.0.1 port, a 3-page PDF, a seal key issued by the
intermediate. The median wall time of: one seal at B-B (the seal alone), B-T (and a timestamp
request), B-LTA (and the DSS with OCSP and CRLs fetched, and a document timestamp); three
B-LTA files each on its own, and sharing one ``seal_lta.Shared`` (validation context and TSA
client) as the finalisation job seals a request's three files; one archive timestamp renewal
of a B-LTA file. Every round trip goes to 127.0.0.1, so the figures are Signet's and pyHanko's
work plus local HTTP, not a real TSA's or responder's latency. Prints figures and the load
average, asserts nothing. Run: ``.venv/bin/python bench/seal_lta.py [--runs N]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from pdf.seal.factories import SEAL_METADATA, create_pdf  # noqa: E402
from pdf.seal.pki import CertomancerPki  # noqa: E402

from signet.pdf.seal import seal_pdf  # noqa: E402
from signet.pdf.seal_archive import renew_archive_timestamp  # noqa: E402
from signet.pdf.seal_keys import load_or_create_seal  # noqa: E402
from signet.pdf.seal_lta import Shared, add_long_term_validation  # noqa: E402


def timed(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm: imports, connections, caches
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        pki = CertomancerPki(work / "pki")
        try:
            (work / "seal.p12").write_bytes(pki.p12())
            identity = load_or_create_seal(work, str(work / "seal.p12"), None)
            pdf = create_pdf(3)

            def seal(tsa: str | None) -> bytes:
                return seal_pdf(
                    pdf, identity, reason="bench", location=None, tsa_url=tsa,
                    metadata=SEAL_METADATA,
                )  # fmt: skip

            def lta(shared: Shared | None = None) -> bytes:
                sealed = seal(pki.tsa_url)
                return add_long_term_validation(sealed, identity, pki.tsa_url, shared=shared)

            def three(shared: bool) -> None:
                together = Shared()
                for _ in range(3):
                    lta(together if shared else None)

            one = lta()
            rows = [
                ("B-B", timed(lambda: seal(None), args.runs)),
                ("B-T", timed(lambda: seal(pki.tsa_url), args.runs)),
                ("B-LTA", timed(lta, args.runs)),
                ("3x B-LTA", timed(lambda: three(False), args.runs)),
                ("3x shared", timed(lambda: three(True), args.runs)),
                ("renewal", timed(lambda: renew_archive_timestamp(one, pki.tsa_url), args.runs)),
            ]
        finally:
            pki.close()
    print(f"{'level':10} {'median':>8}   (3-page PDF, {args.runs} runs, PKI on 127.0.0.1)")
    for name, seconds in rows:
        print(f"{name:10} {seconds * 1000:7.1f}ms")
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
