"""Benchmark: stamping values and appending the certificate, against a plain qpdf copy.

For generated documents of 1, 50 and 500 text pages and a ~20 MB image-heavy PDF (pages of
random-noise JPEGs) it measures, each case in a fresh subprocess:

1. ``qpdf in.pdf out.pdf`` (no linearize): the floor for rewriting the file;
2. pikepdf open + save with no change, to separate the library's copy cost from ours;
3. open + stamp (3 fields on each of 10 pages: a signature image, a text, a date) + append a
   pre-built certificate + save once, as the finalisation job does before sealing;
4. the peak RSS of the subprocess that ran 3 (after imports and a warm-up), and the time to
   build the certificate itself.

It prints figures and asserts nothing. Run: ``.venv/bin/python bench/stamp.py`` (``--help``).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "stamp"
sys.path.insert(0, str(ROOT / "src"))


def _text_pdf(pages: int) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    rng = random.Random(pages)
    words = [
        "agreement",
        "party",
        "shall",
        "term",
        "payment",
        "notice",
        "clause",
        "hereby",
        "pursuant",
        "law",
    ]
    for number in range(pages):
        c.setFont("Helvetica", 10)
        for line in range(60):
            c.drawString(56, 800 - line * 12.5, " ".join(rng.choices(words, k=14)))
        c.drawString(280, 30, f"Page {number + 1} of {pages}")
        c.showPage()
    c.save()
    return buf.getvalue()


def _image_pdf(target_mb: float) -> bytes:
    """Pages of full-page random-noise JPEGs (noise does not compress) up to ~target_mb."""
    from PIL import Image
    from reportlab import rl_config
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    rl_config.useA85 = 0  # embed the JPEGs as they are, like a scanner's PDF
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    total = 0
    page = 0
    while total < target_mb * 1024 * 1024:
        noise = Image.frombytes("RGB", (1400, 1000), os.urandom(1400 * 1000 * 3))
        jpeg = io.BytesIO()
        noise.save(jpeg, format="JPEG", quality=85)
        total += jpeg.tell()
        c.drawImage(ImageReader(io.BytesIO(jpeg.getvalue())), 30, 200, 535, 600)
        c.setFont("Helvetica", 10)
        c.drawString(280, 30, f"Scanned page {page + 1}")
        c.showPage()
        page += 1
    c.save()
    rl_config.useA85 = 1
    return buf.getvalue()


def _certificate() -> tuple[bytes, float]:
    from signet.pdf.certificate import build_certificate
    from signet.pdf.evidence import CertificateData, CertificateEvent, CertificateRecipient
    from signet.pdf.fonts import render_typed_signature

    t0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    names = ["Jane Doe", "Ayşe Işıkoğlu", "محمد عبد الله", "王小明"]
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
            signature_png=render_typed_signature(name, 400, 120),
            signature_id=f"00000000-0000-4000-8000-00000000000{i}",
        )
        for i, name in enumerate(names)
    ]
    events = [
        CertificateEvent(t0 + timedelta(minutes=i), "recipient.viewed", names[i % 4], "203.0.113.5")
        for i in range(40)
    ]
    data = CertificateData(
        document_name="Master services agreement.pdf",
        signing_request_id="3c90c3cc-0d44-4b50-8888-8dd25736052a",
        short_id="CnEqURgZ3swzj528KMLvX5",
        page_count=500,
        original_sha256="9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        signed_sha256="60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752",
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
    start = time.perf_counter()
    pdf = build_certificate(data)
    return pdf, time.perf_counter() - start


def _values(page_count: int, signature_png: bytes | None = None) -> list:
    import base64

    from signet.pdf.evidence import StampValue
    from signet.pdf.fonts import render_typed_signature

    png = signature_png or render_typed_signature("Jane Doe", 400, 120)
    sig = "data:image/png;base64," + base64.b64encode(png).decode()
    pages = sorted({1 + (i * page_count) // 10 for i in range(10)})  # 10 pages, spread out
    values = []
    for page in pages:
        values += [
            StampValue(page, 10, 80, 30, 6, "signature", sig),
            StampValue(page, 45, 82, 30, 3, "text", "Jane Doe, Chief Executive"),
            StampValue(page, 80, 82, 15, 3, "date", "2026-11-21", date_format="MMM dd, yyyy"),
        ]
    return values


def _memory_mb(field: str) -> float:
    """VmRSS / VmHWM of this process. Not ru_maxrss: Linux carries that across exec from the
    parent, which built the 20 MB test file."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _child(pdf_path: str, cert_path: str, repeat: int) -> None:
    """Runs in a subprocess: time the stamping path, report JSON on stdout."""
    import pikepdf

    from signet.pdf.fonts import ensure_fonts_registered
    from signet.pdf.stamp import append_pdf, stamp_pdf

    original = Path(pdf_path).read_bytes()
    certificate = Path(cert_path).read_bytes()
    with pikepdf.open(io.BytesIO(original)) as pdf:
        page_count = len(pdf.pages)
    values = _values(page_count)
    start = time.perf_counter()
    ensure_fonts_registered()
    warm_fonts = time.perf_counter() - start
    rss_before = _memory_mb("VmRSS")
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # reset VmHWM: the peak below is the stamping's own

    copies, stamps = [], []
    out_path = OUT / "stamped.pdf"
    for _ in range(repeat):
        start = time.perf_counter()
        with pikepdf.open(pdf_path) as pdf:
            pdf.save(OUT / "copy.pdf")
        copies.append(time.perf_counter() - start)

        start = time.perf_counter()
        with pikepdf.open(pdf_path) as pdf:
            stamp_pdf(pdf, values)
            append_pdf(pdf, certificate)
            pdf.save(out_path)
        stamps.append(time.perf_counter() - start)
    peak = _memory_mb("VmHWM")
    result = {
        "copy": statistics.median(copies),
        "stamp": statistics.median(stamps),
        "stamp_min": min(stamps),
        "fields": len(values),
        "warm_fonts": warm_fonts,
        "rss_before_mb": rss_before,
        "peak_rss_mb": peak,
        "out_mb": out_path.stat().st_size / 1e6,
    }
    print(json.dumps(result))


def _qpdf(path: Path, repeat: int) -> float | None:
    qpdf = shutil.which("qpdf")
    if qpdf is None:
        return None
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([qpdf, str(path), str(OUT / "qpdf.pdf")], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per case (median shown)")
    parser.add_argument("--image-mb", type=float, default=20.0, help="size of the image PDF")
    parser.add_argument("--child", nargs=2, metavar=("PDF", "CERT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if args.child:
        _child(args.child[0], args.child[1], args.repeat)
        return

    certificate, cert_seconds = _certificate()
    cert_path = OUT / "certificate.pdf"
    cert_path.write_bytes(certificate)
    print(f"certificate: {cert_seconds:.3f} s to build ({len(certificate) / 1e3:.0f} kB, first "
          "call in this process, fonts included)")  # fmt: skip
    if shutil.which("qpdf") is None:
        print("qpdf not found: install Debian's qpdf for the floor column (apt-get install qpdf)")

    cases = [("1 page", _text_pdf(1)), ("50 pages", _text_pdf(50)), ("500 pages", _text_pdf(500))]
    cases.append((f"~{args.image_mb:.0f} MB images", _image_pdf(args.image_mb)))
    header = (
        f"{'document':<16}{'size MB':>8}{'qpdf s':>9}{'copy s':>9}{'stamp s':>9}"
        f"{'x qpdf':>8}{'fields':>7}{'RSS base':>10}{'RSS peak':>10}"
    )
    print(header)
    print("-" * len(header))
    for name, data in cases:
        path = OUT / f"{name.replace(' ', '_').replace('~', '')}.pdf"
        path.write_bytes(data)
        floor = _qpdf(path, args.repeat)
        child = subprocess.run(
            [sys.executable, __file__, "--repeat", str(args.repeat), "--child", str(path),
             str(cert_path)],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        r = json.loads(child.stdout.strip().splitlines()[-1])
        ratio = f"{r['stamp'] / floor:.2f}" if floor else "-"
        floor_text = f"{floor:.3f}" if floor else "-"
        print(
            f"{name:<16}{len(data) / 1e6:>8.1f}{floor_text:>9}{r['copy']:>9.3f}"
            f"{r['stamp']:>9.3f}{ratio:>8}{r['fields']:>7}{r['rss_before_mb']:>8.0f}MB"
            f"{r['peak_rss_mb']:>8.0f}MB"
        )
    print(
        "\nstamp s = open + stamp 3 fields on each of 10 pages (1 page: 3 fields) + append the "
        "certificate + save once; copy s = pikepdf open + save; medians of "
        f"{args.repeat} runs. RSS base = after imports and font registration; RSS peak = "
        "highest resident size while copying and stamping."
    )


if __name__ == "__main__":
    main()
