"""The limits an accepted PDF stays within, and the scan that measures a file against them.

A PDF's size on the wire says little about the work it asks for: a 4 MB file can inflate to
4 GB, or declare a page a thousand times taller than it is wide. Every file is measured once, on
arrival, without decoding anything into memory: Flate streams are inflated in chunks and only
counted, images are sized from their declared width, height and colour components. What the
limits are and why: docs/pdf-intake.md.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import pikepdf

__all__ = ["DEFAULT_LIMITS", "PdfLimits", "decoded_size", "page_size_problem"]

MB = 1024 * 1024


@dataclass(frozen=True)
class PdfLimits:
    # Decoded bytes of all streams together: the larger of the floor and a multiple of the file,
    # so a big scanned document passes and a small file that inflates a thousandfold does not.
    decoded_total_floor: int = 512 * MB
    decoded_total_ratio: int = 100
    decoded_stream: int = 256 * MB  # one stream (a content stream, a font, an image)
    objects: int = 500_000
    pages: int = 2_000
    # Page sides in points, as the PDF specification bounds user space (ISO 32000, 3 to 14,400),
    # and a width-to-height ratio past which a page is a strip, not a page anyone signs.
    side_min: float = 3.0
    side_max: float = 14_400.0
    aspect_max: float = 20.0

    def decoded_total(self, file_size: int) -> int:
        return max(self.decoded_total_floor, self.decoded_total_ratio * file_size)


DEFAULT_LIMITS = PdfLimits()

_IMAGE_CODECS = {"/DCTDecode", "/JPXDecode", "/JBIG2Decode", "/CCITTFaxDecode"}
_COMPONENTS = {"/DeviceGray": 1, "/CalGray": 1, "/DeviceRGB": 3, "/CalRGB": 3, "/Lab": 3}
_CHUNK = 1 * MB


def _filters(stream: pikepdf.Stream) -> list[str]:
    f = stream.get("/Filter")
    if f is None:
        return []
    if isinstance(f, pikepdf.Array):
        return [str(x) for x in f]
    return [str(f)]


def _image_size(stream: pikepdf.Stream) -> int:
    """Bytes of the decoded image, from its declared dimensions (what a renderer allocates)."""
    try:
        w, h = int(stream.get("/Width", 0)), int(stream.get("/Height", 0))
        bpc = int(stream.get("/BitsPerComponent", 8))
    except (TypeError, ValueError):
        return 0
    cs = stream.get("/ColorSpace")
    comps = 4
    if isinstance(cs, pikepdf.Name):
        comps = _COMPONENTS.get(str(cs), 4)
    return max(0, w) * max(0, h) * comps * max(1, min(bpc, 16)) // 8


def _inflated_size(raw: bytes, cap: int) -> int:
    """Bytes ``raw`` inflates to, counted in chunks and never held; stops just past ``cap``.

    A damaged stream counts as what inflated before the damage, as readers render it."""
    inflater = zlib.decompressobj()
    total = 0
    data = raw
    try:
        while data and total <= cap:
            total += len(inflater.decompress(data, _CHUNK))
            data = inflater.unconsumed_tail
        if total <= cap:
            total += len(inflater.flush())
    except zlib.error:
        pass
    return total


def decoded_size(stream: pikepdf.Stream, cap: int) -> int:
    """The stream's decoded size in bytes, or a number past ``cap`` once it is past it."""
    filters = _filters(stream)
    raw = stream.read_raw_bytes()
    size = len(raw)
    if filters and filters[0] == "/FlateDecode":
        size = _inflated_size(raw, cap)
        filters = filters[1:]
    elif filters and filters[0] in ("/LZWDecode", "/RunLengthDecode"):
        # Rare, and without a chunked decoder at hand: decoded whole, which the worker's memory
        # ceiling bounds (docs/pdf-intake.md#where-the-work-runs).
        size = len(stream.read_bytes(pikepdf.StreamDecodeLevel.specialized))
        filters = filters[1:]
    if any(f in _IMAGE_CODECS for f in filters) or str(stream.get("/Subtype", "")) == "/Image":
        size = max(size, _image_size(stream))
    return size


def page_size_problem(width: float, height: float, limits: PdfLimits) -> str | None:
    """What is wrong with a page of this size, or None."""
    lo, hi = limits.side_min, limits.side_max
    if not (lo <= width <= hi and lo <= height <= hi):
        return f"each side must be between {lo:g} and {hi:g} points"
    if max(width, height) / min(width, height) > limits.aspect_max:
        return f"its sides must be within {limits.aspect_max:g} to 1 of each other"
    return None
