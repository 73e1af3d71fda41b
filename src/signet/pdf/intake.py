"""Check and normalise an incoming PDF, in process: the work ``signet.pdf.inspect`` runs in a
sandboxed worker (``signet.pdf.sandbox``).

One pass on arrival: is it a PDF, readable, unencrypted, within the limits (``pdf.limits``);
active content is removed (``pdf.active_content``); a file that qpdf had to repair, that had
content removed, or that pyHanko cannot open for an incremental update, is rewritten once by
qpdf, so every later step (rendering, stamping, sealing) works on a clean file. A clean file is
kept byte for byte. See docs/pdf-intake.md.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, field

import pikepdf

from signet.pdf.active_content import remove_active_content
from signet.pdf.limits import DEFAULT_LIMITS, MB, PdfLimits, decoded_size, page_size_problem

__all__ = ["PdfInfo", "PdfProblem", "describe_pdf_error", "normalise_pdf"]


class PdfProblem(ValueError):
    """The bytes are not a usable PDF; the message says why, for the API user."""


@dataclass(frozen=True)
class PdfInfo:
    data: bytes
    page_count: int
    # (width, height) in points as displayed, rotation applied.
    page_sizes: list[tuple[float, float]]
    repaired: bool
    # SHA-256 of the bytes as received; differs from the stored file's when it was rewritten.
    upload_sha256: str = ""
    removed: list[str] = field(default_factory=list)  # active content taken out

    @property
    def rewritten(self) -> bool:
        return hashlib.sha256(self.data).hexdigest() != self.upload_sha256


# qpdf names its input in every message: for an in-memory file that is the stream's repr.
_STREAM_NAME = re.compile(r"(stream\s+)?<[^<>]*\bobject at 0x[0-9a-fA-F]+>:?\s*")


def describe_pdf_error(exc: BaseException) -> str:
    """What qpdf (or another reader) says is wrong, without the Python object it read from."""
    text = _STREAM_NAME.sub("", str(exc)).strip()
    return text[:300] if text else type(exc).__name__


def _page_size(page: pikepdf.Page) -> tuple[float, float]:
    box = page.cropbox if "/CropBox" in page.obj else page.mediabox
    x0, y0, x1, y1 = (float(v) for v in box)
    w, h = abs(x1 - x0), abs(y1 - y0)
    rotate = int(page.obj.get("/Rotate", 0)) % 360
    return (round(h, 2), round(w, 2)) if rotate in (90, 270) else (round(w, 2), round(h, 2))


def _check_limits(pdf: pikepdf.Pdf, file_size: int, limits: PdfLimits) -> None:
    objects = pdf.objects
    if len(objects) > limits.objects:
        raise PdfProblem(f"The PDF has {len(objects)} objects; the limit is {limits.objects}")
    cap = limits.decoded_total(file_size)
    total = 0
    for obj in objects:
        if not isinstance(obj, pikepdf.Stream):
            continue
        try:
            size = decoded_size(obj, limits.decoded_stream)
        except (pikepdf.PdfError, ValueError, TypeError):
            continue  # unreadable streams are qpdf's to repair or refuse below
        if size > limits.decoded_stream:
            raise PdfProblem(
                f"A stream of the PDF decodes to more than {limits.decoded_stream // MB} MB, "
                f"the limit for one stream"
            )
        total += size
        if total > cap:
            raise PdfProblem(
                f"The PDF's content decodes to more than {cap // MB} MB, the limit for a "
                f"file of this size (the larger of {limits.decoded_total_floor // MB} MB and "
                f"{limits.decoded_total_ratio} times the file)"
            )


def _sizes(pdf: pikepdf.Pdf, limits: PdfLimits) -> list[tuple[float, float]]:
    count = len(pdf.pages)
    if count > limits.pages:
        raise PdfProblem(f"The PDF has {count} pages; the limit is {limits.pages}")
    try:
        sizes = [_page_size(page) for page in pdf.pages]
    except (pikepdf.PdfError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise PdfProblem(f"The PDF's pages cannot be read: {describe_pdf_error(exc)}") from exc
    if not sizes:
        raise PdfProblem("The PDF has no pages")
    for number, (w, h) in enumerate(sizes, 1):
        problem = page_size_problem(w, h, limits)
        if problem:
            raise PdfProblem(f"Page {number} is {w:g} × {h:g} points: {problem}")
    return sizes


def _sealable(data: bytes) -> bool:
    """Whether pyHanko, which seals by incremental update, reads the file as it is."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(data))
        pages = writer.root["/Pages"]
        int(pages["/Count"])
    except Exception:  # noqa: BLE001 - any failure means: rewrite it first
        return False
    return True


def normalise_pdf(data: bytes, limits: PdfLimits = DEFAULT_LIMITS) -> PdfInfo:
    """Validate ``data`` as a PDF within ``limits``, remove its active content and rewrite it
    when it needs it; raises PdfProblem with a clear message."""
    if not data:
        raise PdfProblem("The document is empty")
    if b"%PDF-" not in data[:1024]:
        raise PdfProblem("The document is not a PDF (it does not start with %PDF-)")
    if b"%%EOF" not in data[-2048:]:
        raise PdfProblem("The PDF is truncated or incomplete (no end-of-file marker)")
    upload_sha256 = hashlib.sha256(data).hexdigest()
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError as exc:
        raise PdfProblem("The PDF is encrypted with a password; upload an unencrypted PDF") from exc
    except (pikepdf.PdfError, ValueError, OSError, RecursionError) as exc:
        raise PdfProblem(f"The PDF cannot be read: {describe_pdf_error(exc)}") from exc
    with pdf:
        if pdf.is_encrypted:
            raise PdfProblem(
                "The PDF is encrypted; remove its password or restrictions and upload it again"
            )
        try:
            sizes = _sizes(pdf, limits)
            _check_limits(pdf, len(data), limits)
            removed = remove_active_content(pdf)
        except (pikepdf.PdfError, RecursionError) as exc:
            raise PdfProblem(f"The PDF cannot be read: {describe_pdf_error(exc)}") from exc
        repaired = bool(pdf.get_warnings())
        if repaired or removed or not _sealable(data):
            # qpdf writes the trailer's /Size only when the file had one; a file whose trailer
            # was lost (truncated) would come out without it, and no incremental update (the
            # seal) can be appended to that. qpdf puts the right number in.
            pdf.trailer.Size = 0
            out = io.BytesIO()
            try:
                pdf.save(out, deterministic_id=True)
            except (pikepdf.PdfError, ValueError, RecursionError) as exc:
                raise PdfProblem(
                    f"The PDF is damaged and cannot be repaired: {describe_pdf_error(exc)}"
                ) from exc
            data = out.getvalue()
            if not _sealable(data):
                raise PdfProblem("The PDF is damaged and cannot be repaired")
    return PdfInfo(
        data=data,
        page_count=len(sizes),
        page_sizes=sizes,
        repaired=repaired,
        upload_sha256=upload_sha256,
        removed=removed,
    )
