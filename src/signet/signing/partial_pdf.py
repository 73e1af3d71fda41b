"""The PDF a document's ``/download`` serves besides the sealed final file: before completion
the original with the current values stamped ("IN PROGRESS" across it unless
``show_partial_watermark`` is off), and a client's own watermark on request (on a completed
document that copy is rebuilt from the values and certificate, and is not sealed).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pikepdf
from reportlab.lib.colors import HexColor
from reportlab.pdfgen.canvas import Canvas

from signet.models import SigningRequest
from signet.pdf.stamp import stamp_values
from signet.signing import rules
from signet.signing.finalize import stamp_list
from signet.storage import BlobStore

PARTIAL_MARK = "IN PROGRESS"


@dataclass(frozen=True)
class Watermark:
    text: str
    color: str = "#7f7f7f"
    font_size: int = 48
    opacity: float = 0.25


def add_watermark(data: bytes, mark: Watermark) -> bytes:
    """Draw ``mark`` diagonally across every page of ``data``."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            x0, y0, x1, y1 = (float(v) for v in page.mediabox)
            w, h = abs(x1 - x0), abs(y1 - y0)
            buf = io.BytesIO()
            canvas = Canvas(buf, pagesize=(w, h))
            canvas.setFillColor(HexColor(mark.color), alpha=mark.opacity)
            canvas.setFont("Helvetica-Bold", mark.font_size)
            canvas.translate(w / 2, h / 2)
            canvas.rotate(35)
            canvas.drawCentredString(0, -mark.font_size / 3, mark.text)
            canvas.showPage()
            canvas.save()
            with pikepdf.open(io.BytesIO(buf.getvalue())) as overlay:
                page.add_overlay(
                    pdf.copy_foreign(overlay.pages[0].obj), pikepdf.Rectangle(x0, y0, x1, y1)
                )
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


def _stamped(store: BlobStore, request: SigningRequest, certificate: bytes | None) -> bytes:
    assert request.document_sha256
    return stamp_values(store.get(request.document_sha256), stamp_list(request), certificate)


def _certificate_pages(store: BlobStore, request: SigningRequest) -> bytes | None:
    """The certificate pages without their seal's widget, to append to an unsealed copy."""
    if not request.certificate_only_sha256:
        return None
    with pikepdf.open(io.BytesIO(store.get(request.certificate_only_sha256))) as pdf:
        for page in pdf.pages:
            if "/Annots" in page.obj:
                del page.obj["/Annots"]
        if "/AcroForm" in pdf.Root:
            del pdf.Root["/AcroForm"]
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


def current_pdf(store: BlobStore, request: SigningRequest, watermark: Watermark | None) -> bytes:
    """The document as it stands, with ``watermark`` if given, else the partial mark."""
    data = _stamped(store, request, None)
    if watermark is None and rules.setting(request.settings, "show_partial_watermark"):
        watermark = Watermark(PARTIAL_MARK)
    return add_watermark(data, watermark) if watermark else data


def completed_copy(store: BlobStore, request: SigningRequest, watermark: Watermark) -> bytes:
    """An unsealed, watermarked copy of a completed document with its certificate."""
    return add_watermark(_stamped(store, request, _certificate_pages(store, request)), watermark)
