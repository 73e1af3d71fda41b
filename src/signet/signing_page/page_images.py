"""Page images for the signing page: rendered lazily, one page at a time, and cached on disk.

Rendering is ``signet.pdf.render`` (PDFium, JPEG by default), run in a sandboxed worker process
with a memory ceiling and a time limit (``signet.pdf.sandbox``), so a hostile page costs that
worker, not the server. An
image is addressed by the document's SHA-256, the page number and a width from ``WIDTHS``, so a
cached file never goes stale and the browser may keep it forever.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import tempfile
from pathlib import Path

from signet.pdf import render, sandbox

WIDTHS = render.WIDTHS
DEFAULT_WIDTH = WIDTHS[0]
FORMAT = render.DEFAULT_FORMAT
EXTENSION = "jpg" if FORMAT == "jpeg" else FORMAT
MEDIA_TYPE = render.MEDIA_TYPES[FORMAT]

# pdfium prints a warning for every document still open when the interpreter exits.
atexit.register(render.clear_cache)
# Seconds one page image may take; a dense page takes well under one.
RENDER_TIMEOUT = 30.0


def cache_path(cache_dir: Path, sha256: str, page: int, width: int) -> Path:
    return cache_dir / sha256[:2] / sha256 / f"{page}-{width}.{EXTENSION}"


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def page_image(cache_dir: Path, pdf_path: str, sha256: str, page: int, width: int) -> Path:
    """The cached image file for this page and width, rendering it on first use.

    Raises ValueError for a width not in ``WIDTHS`` and ``render.RenderError`` for a page the
    document does not have, or one that cannot be drawn within the sandbox's limits.
    """
    if width not in WIDTHS:
        raise ValueError(f"width must be one of {WIDTHS}")
    path = cache_path(cache_dir, sha256, page, width)
    if not path.exists():
        try:
            data = sandbox.run(
                render.render_page,
                pdf_path,
                page,
                width,
                FORMAT,
                cache_key=sha256,
                timeout=RENDER_TIMEOUT,
            )
        except sandbox.SandboxFailed as exc:
            raise render.RenderError(f"Page {page} cannot be drawn: drawing it {exc}") from exc
        _write_atomically(path, data)
    return path
