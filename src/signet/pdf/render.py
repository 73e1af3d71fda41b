"""Page images for the signing page: one PDF page rasterised with PDFium and encoded with Pillow.

Documents stay open in a small LRU so that the next page (or the same page at another width) skips
re-opening. PDFium is not thread-safe, even across different documents, so every PDFium call in
the process goes through :data:`PDFIUM_LOCK`; image encoding, the costly part, runs outside it.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import threading
from collections import OrderedDict
from collections.abc import Hashable
from pathlib import Path
from typing import Literal

import pypdfium2 as pdfium
from PIL import Image

__all__ = [
    "DEFAULT_FORMAT",
    "MEDIA_TYPES",
    "PDFIUM_LOCK",
    "WIDTHS",
    "ImageFormat",
    "RenderError",
    "clear_cache",
    "render_page",
    "snap_width",
]

ImageFormat = Literal["webp", "jpeg", "png"]

# Phones, desktop / retina phones, retina desktop. Other widths snap up to the next one (so an
# image is never upscaled by the browser) and are capped at the largest.
WIDTHS = (800, 1200, 1600)
# JPEG, because encoding is most of a page image's cost and only libjpeg-turbo fits the 60 ms
# first-image budget at every width: 5 / 18 / 38 ms at 800 / 1200 / 1600 px for a text page,
# against 30 / 70 / 165 ms for lossy WebP and 28 / 84 / 184 ms for PNG (bench/render.py). Lossless
# WebP makes text pages 3-4x smaller than JPEG but costs 20-200 ms, and 10x more on scanned pages.
# q=85 with 4:4:4 chroma keeps small and coloured text free of smudges.
DEFAULT_FORMAT: ImageFormat = "jpeg"
MEDIA_TYPES: dict[str, str] = {"webp": "image/webp", "jpeg": "image/jpeg", "png": "image/png"}
JPEG_QUALITY = 85
WEBP_QUALITY = 80
CACHE_SIZE = 8
# The most pixels one page image may have (a 1600 px wide page as tall as about 4 A4 pages): a page
# drawn ``width`` wide that would come out taller is drawn narrower instead, so an odd page shape
# cannot ask PDFium for gigabytes. Intake already refuses pages past 20 to 1 (pdf.limits).
MAX_PIXELS = 1600 * 1600 * 6

PDFIUM_LOCK = threading.RLock()
_open_docs: OrderedDict[Hashable, pdfium.PdfDocument] = OrderedDict()


class RenderError(ValueError):
    """The page cannot be rendered: not a readable PDF, or no such page."""


def snap_width(width_px: int) -> int:
    """The allowed width used for a requested one: the next larger allowed width, or the largest."""
    for allowed in WIDTHS:
        if width_px <= allowed:
            return allowed
    return WIDTHS[-1]


def render_page(
    source: bytes | str | Path,
    page_number: int,
    width_px: int,
    fmt: ImageFormat = DEFAULT_FORMAT,
    *,
    cache_key: str | None = None,
) -> bytes:
    """Render 1-based ``page_number`` of a PDF as an image ``snap_width(width_px)`` pixels wide.

    ``source`` is the PDF's bytes or a path. Give ``cache_key`` (e.g. the file's stored SHA-256)
    to skip hashing the bytes to find an already open copy.
    """
    if fmt not in MEDIA_TYPES:
        raise RenderError(f"Unknown image format {fmt!r}; use one of {', '.join(MEDIA_TYPES)}")
    width = snap_width(width_px)
    key = _key(source, cache_key)
    with PDFIUM_LOCK:
        doc = _get_document(key, source)
        count = len(doc)
        if not 1 <= page_number <= count:
            raise RenderError(f"Page {page_number} does not exist; the document has {count}")
        page = doc[page_number - 1]
        try:
            page_width, page_height = page.get_size()
            if page_width <= 0 or page_height <= 0:
                raise RenderError(f"Page {page_number} has no area to draw")
            # A hair under width/page_width so PDFium's ceil() lands exactly on ``width``.
            scale = (width - 1e-6) / page_width
            if scale * scale * page_width * page_height > MAX_PIXELS:
                scale = 0.999 * (MAX_PIXELS / (page_width * page_height)) ** 0.5  # ceil() room
            bitmap = page.render(scale=scale, may_draw_forms=True)
            # to_pil() copies BGR into a Pillow-owned RGB image, so the bitmap can go now.
            image = bitmap.to_pil()
            bitmap.close()
        finally:
            page.close()
    return _encode(image, fmt)


def clear_cache() -> None:
    """Close every cached document (tests, benchmarks, or to release memory)."""
    with PDFIUM_LOCK:
        while _open_docs:
            _, doc = _open_docs.popitem()
            doc.close()


def _key(source: bytes | str | Path, cache_key: str | None) -> Hashable:
    if cache_key is not None:
        return ("key", cache_key)
    if isinstance(source, bytes | bytearray | memoryview):
        return ("sha256", hashlib.sha256(source).hexdigest())
    path = Path(source).resolve()
    try:
        stat = path.stat()
    except OSError as exc:
        raise RenderError(f"The PDF {path} cannot be read: {exc}") from exc
    # mtime and size in the key: a file replaced in place is not served from the stale copy.
    return ("path", str(path), stat.st_mtime_ns, stat.st_size)


def _get_document(key: Hashable, source: bytes | str | Path) -> pdfium.PdfDocument:
    doc = _open_docs.get(key)
    if doc is not None:
        _open_docs.move_to_end(key)
        return doc
    try:
        # Bytes are wrapped as-is (PDFium reads them in place); a path is opened by PDFium itself,
        # which reads only the cross-reference table and then each object when a page needs it.
        doc = pdfium.PdfDocument(
            source if isinstance(source, bytes | str | Path) else bytes(source)
        )
    except (pdfium.PdfiumError, OSError) as exc:
        raise RenderError(f"The PDF cannot be opened for rendering: {exc}") from exc
    with contextlib.suppress(pdfium.PdfiumError):
        doc.init_forms()  # so filled-in form fields show, as in a PDF reader
    _open_docs[key] = doc
    while len(_open_docs) > CACHE_SIZE:
        _, old = _open_docs.popitem(last=False)
        old.close()
    return doc


def _encode(image: Image.Image, fmt: ImageFormat) -> bytes:
    out = io.BytesIO()
    if fmt == "jpeg":
        image.save(out, format="JPEG", quality=JPEG_QUALITY, subsampling=0)
    elif fmt == "webp":
        # method 0 is the encoder's fastest; higher methods save a few percent for 2-3x the time.
        image.save(out, format="WEBP", quality=WEBP_QUALITY, method=0)
    else:
        # Level 1: page images are mostly flat white, so harder zlib levels buy little size.
        image.save(out, format="PNG", compress_level=1)
    return out.getvalue()
