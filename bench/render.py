"""Time page images (cold and warm, 1 vs 500 pages), image encoders, and sealing; prints figures.

Run: .venv/bin/python bench/render.py
"""

from __future__ import annotations

import io
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image
from reportlab.lib import colors
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle

from signet.pdf.render import DEFAULT_FORMAT, clear_cache, render_page
from signet.pdf.seal import seal_pdf
from signet.pdf.seal_keys import load_or_create_seal
from signet.pdf.verify import verify_pdf

RUNS = 7
LOREM = (
    "The Supplier shall deliver the Services described in Schedule 1 with reasonable skill and "
    "care, in accordance with good industry practice, and shall comply with all applicable laws. "
) * 3


def contract(pages: int) -> bytes:
    """A realistic text page: heading, paragraphs, a coloured table."""
    buf = io.BytesIO()
    styles = getSampleStyleSheet()
    story: list = []
    for n in range(pages):
        story.append(Paragraph(f"Section {n + 1}: Master services agreement", styles["Heading1"]))
        story.extend(Paragraph(LOREM, styles["BodyText"]) for _ in range(6))
        table = Table([["Item", "Qty", "Price"], ["Widget", "3", "$10.00"], ["Gadget", "1", "$99"]])
        table.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#1d4ed8")),
                    ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ]
            )
        )
        story += [table, PageBreak()]
    SimpleDocTemplate(buf, pagesize=letter).build(story)
    return buf.getvalue()


def median_ms(fn: Callable[[], object], runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


COLD_CHILD = """
import json, sys, time
t0 = time.perf_counter()
from signet.pdf.render import render_page
t1 = time.perf_counter()
render_page(sys.argv[1], 1, int(sys.argv[2]), sys.argv[3])
t2 = time.perf_counter()
print(json.dumps({"import": (t1 - t0) * 1000, "first": (t2 - t1) * 1000}))
"""


def cold_process(path: Path, width: int, fmt: str) -> tuple[float, float]:
    imports, firsts = [], []
    for _ in range(5):
        out = subprocess.run(
            [sys.executable, "-c", COLD_CHILD, str(path), str(width), fmt],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        figures = json.loads(out)
        imports.append(figures["import"])
        firsts.append(figures["first"])
    return statistics.median(imports), statistics.median(firsts)


def bench_first_page(docs: dict[str, Path]) -> None:
    print(f"\n== First page image ({DEFAULT_FORMAT}, the default), median of {RUNS} ==")
    print(f"{'document':10} {'width':>5} {'new process':>12} {'cleared cache':>14} {'warm':>7}")
    for name, path in docs.items():
        data = path.read_bytes()
        for width in (800, 1200, 1600):
            _, first = cold_process(path, width, DEFAULT_FORMAT)

            def cleared(w: int = width, p: Path = path) -> None:
                clear_cache()
                render_page(p, 1, w)

            cold = median_ms(cleared)
            render_page(data, 1, width)
            warm = median_ms(lambda w=width, d=data: render_page(d, 1, w))
            print(f"{name:10} {width:5} {first:10.1f}ms {cold:12.1f}ms {warm:5.1f}ms")
    _, _ = cold_process(docs["1 page"], 1200, DEFAULT_FORMAT)
    imports, _ = cold_process(docs["500 pages"], 1200, DEFAULT_FORMAT)
    print(
        f"(one-off import of pypdfium2 + Pillow + signet.pdf.render in a new process: "
        f"{imports:.0f} ms, not included above)"
    )

    data = docs["500 pages"].read_bytes()
    clear_cache()
    last = median_ms(lambda: (clear_cache(), render_page(docs["500 pages"], 500, 1200)))
    print(f"500 pages, page 500 at 1200 px, cleared cache: {last:.1f} ms")
    clear_cache()
    hashed = median_ms(lambda: render_page(data, 1, 1200))
    keyed = median_ms(lambda: render_page(data, 1, 1200, cache_key="k"))
    print(
        f"warm from bytes: {hashed:.1f} ms hashing {len(data) / 1e6:.1f} MB, "
        f"{keyed:.1f} ms with cache_key"
    )


def bench_encoders(path: Path) -> None:
    print("\n== Encoding one rendered page (Pillow), median of 7 ==")
    doc = pdfium.PdfDocument(path)
    page = doc[0]
    width_pt = page.get_width()
    encoders: dict[str, dict] = {
        "png level 6 (Pillow default)": {"format": "PNG"},
        "png level 1 (ours)": {"format": "PNG", "compress_level": 1},
        "webp q80 method 4 (default)": {"format": "WEBP", "quality": 80},
        "webp q80 method 0 (ours)": {"format": "WEBP", "quality": 80, "method": 0},
        "webp lossless method 0": {"format": "WEBP", "lossless": True, "method": 0},
        "jpeg q85 4:2:0": {"format": "JPEG", "quality": 85},
        "jpeg q85 4:4:4 (ours, default)": {"format": "JPEG", "quality": 85, "subsampling": 0},
    }
    for width in (800, 1200, 1600):
        render = median_ms(lambda w=width: page.render(scale=w / width_pt).to_pil())
        image = page.render(scale=(width - 1e-6) / width_pt).to_pil()
        print(f"-- {width} px wide: render + to_pil {render:.1f} ms")
        for name, options in encoders.items():
            size = 0

            def encode(opts: dict = options, img: Image.Image = image) -> None:
                nonlocal size
                out = io.BytesIO()
                img.save(out, **opts)
                size = out.tell()

            ms = median_ms(encode)
            print(f"   {name:32} {ms:7.1f} ms {size / 1024:8.1f} KiB")
    page.close()
    doc.close()


def bench_seal(docs: dict[str, Path]) -> None:
    print("\n== seal_pdf (ECDSA P-256, no TSA) and verify_pdf, median of 7 ==")
    with tempfile.TemporaryDirectory() as tmp:
        identity = load_or_create_seal(Path(tmp), None, None)
        metadata = {
            "signing_request_id": "x",
            "variant": "final",
            "completed_at": "",
            "signers": [],
        }
        for name, path in docs.items():
            data = path.read_bytes()
            sealed = seal_pdf(
                data, identity, reason="r", location=None, tsa_url=None, metadata=metadata
            )
            seal_ms = median_ms(
                lambda d=data: seal_pdf(
                    d, identity, reason="r", location=None, tsa_url=None, metadata=metadata
                )
            )
            verify_ms = median_ms(lambda s=sealed: verify_pdf(s))
            print(
                f"{name:10} {len(data) / 1024:8.0f} KiB: seal {seal_ms:6.1f} ms, "
                f"verify {verify_ms:6.1f} ms, +{len(sealed) - len(data)} bytes"
            )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        docs = {}
        for name, pages in (("1 page", 1), ("500 pages", 500)):
            docs[name] = Path(tmp) / f"{pages}.pdf"
            docs[name].write_bytes(contract(pages))
        bench_first_page(docs)
        bench_encoders(docs["1 page"])
        bench_seal(docs)


if __name__ == "__main__":
    main()
