"""Check an incoming PDF once, on arrival: is it a PDF, readable, unencrypted, how many pages.

A file that qpdf can read only by repairing it is re-saved once here, so every later step
(rendering, stamping, sealing by incremental update) works on a clean file.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pikepdf


class PdfProblem(ValueError):
    """The bytes are not a usable PDF; the message says why, for the API user."""


# qpdf names its input in every message: for an in-memory file that is the stream's repr.
_STREAM_NAME = re.compile(r"(stream\s+)?<[^<>]*\bobject at 0x[0-9a-fA-F]+>:?\s*")


def describe_pdf_error(exc: BaseException) -> str:
    """What qpdf (or another reader) says is wrong, without the Python object it read from."""
    text = _STREAM_NAME.sub("", str(exc)).strip()
    return text[:300] if text else type(exc).__name__


@dataclass(frozen=True)
class PdfInfo:
    data: bytes
    page_count: int
    # (width, height) in points as displayed, rotation applied.
    page_sizes: list[tuple[float, float]]
    repaired: bool


def _page_size(page: pikepdf.Page) -> tuple[float, float]:
    box = page.cropbox if "/CropBox" in page.obj else page.mediabox
    x0, y0, x1, y1 = (float(v) for v in box)
    w, h = abs(x1 - x0), abs(y1 - y0)
    rotate = int(page.obj.get("/Rotate", 0)) % 360
    return (round(h, 2), round(w, 2)) if rotate in (90, 270) else (round(w, 2), round(h, 2))


def inspect_pdf(data: bytes) -> PdfInfo:
    """Validate ``data`` as a PDF and describe it; raises PdfProblem with a clear message."""
    if not data:
        raise PdfProblem("The document is empty")
    head = data[:1024]
    if b"%PDF-" not in head:
        raise PdfProblem("The document is not a PDF (it does not start with %PDF-)")
    if b"%%EOF" not in data[-2048:]:
        raise PdfProblem("The PDF is truncated or incomplete (no end-of-file marker)")
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError as exc:
        raise PdfProblem("The PDF is encrypted with a password; upload an unencrypted PDF") from exc
    except (pikepdf.PdfError, ValueError, OSError) as exc:
        raise PdfProblem(f"The PDF cannot be read: {describe_pdf_error(exc)}") from exc
    with pdf:
        if pdf.is_encrypted:
            raise PdfProblem(
                "The PDF is encrypted; remove its password or restrictions and upload it again"
            )
        try:
            sizes = [_page_size(page) for page in pdf.pages]
        except (pikepdf.PdfError, ValueError, KeyError, TypeError) as exc:
            raise PdfProblem(f"The PDF's pages cannot be read: {describe_pdf_error(exc)}") from exc
        if not sizes:
            raise PdfProblem("The PDF has no pages")
        repaired = bool(pdf.get_warnings())
        if repaired:
            out = io.BytesIO()
            try:
                pdf.save(out)
            except (pikepdf.PdfError, ValueError) as exc:
                raise PdfProblem(
                    f"The PDF is damaged and cannot be repaired: {describe_pdf_error(exc)}"
                ) from exc
            data = out.getvalue()
    return PdfInfo(data=data, page_count=len(sizes), page_sizes=sizes, repaired=repaired)
