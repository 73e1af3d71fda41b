"""Typed signatures: a name drawn as a transparent PNG in the handwriting font (Kaushan Script),
falling back to the document fonts for scripts it lacks."""

from __future__ import annotations

import functools
import io
import struct
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, features

from signet.pdf.font_files import (
    ASSETS_DIR,
    HANDWRITING_FILE,
    FontsMissing,
    LoadedFont,
    font_chain,
    level_runs,
)
from signet.pdf.text_bidi import mirror_reverse, reorder


def _read_cmap(path: Path) -> frozenset[int]:
    """Code points of an OpenType font's Unicode cmap (formats 4 and 12)."""
    data = path.read_bytes()
    (num_tables,) = struct.unpack_from(">H", data, 4)
    tables = {
        data[12 + 16 * i : 16 + 16 * i]: struct.unpack_from(">I", data, 20 + 16 * i)[0]
        for i in range(num_tables)
    }
    base = tables[b"cmap"]
    (count,) = struct.unpack_from(">H", data, base + 2)
    subtables = {}
    for i in range(count):
        platform, encoding, offset = struct.unpack_from(">HHI", data, base + 4 + 8 * i)
        (fmt,) = struct.unpack_from(">H", data, base + offset)
        if platform in (0, 3) and fmt in (4, 12):
            subtables[fmt] = base + offset
    codes: set[int] = set()
    if 12 in subtables:
        at = subtables[12]
        (groups,) = struct.unpack_from(">I", data, at + 12)
        for g in range(groups):
            start, end, _ = struct.unpack_from(">III", data, at + 16 + 12 * g)
            codes.update(range(start, end + 1))
        return frozenset(codes)
    at = subtables[4]
    segments = struct.unpack_from(">H", data, at + 6)[0] // 2
    ends = struct.unpack_from(f">{segments}H", data, at + 14)
    starts = struct.unpack_from(f">{segments}H", data, at + 16 + 2 * segments)
    deltas = struct.unpack_from(f">{segments}h", data, at + 16 + 4 * segments)
    range_at = at + 16 + 6 * segments
    offsets = struct.unpack_from(f">{segments}H", data, range_at)
    segs = zip(starts, ends, deltas, offsets, strict=True)
    for s, (start, end, delta, offset) in enumerate(segs):
        for code in range(start, min(end, 0xFFFE) + 1):
            if offset == 0:
                glyph = (code + delta) & 0xFFFF
            else:
                where = range_at + 2 * s + offset + 2 * (code - start)
                (glyph,) = struct.unpack_from(">H", data, where)
                glyph = (glyph + delta) & 0xFFFF if glyph else 0
            if glyph:
                codes.add(code)
    return frozenset(codes)


@functools.cache
def _handwriting_chain() -> tuple[LoadedFont, ...]:
    path = ASSETS_DIR / HANDWRITING_FILE
    if not path.is_file():
        raise FontsMissing(f"Font file {path} is missing; reinstall Signet")
    hand = LoadedFont("handwriting", "Kaushan Script", path, _read_cmap(path))
    return (hand, *font_chain(False))


@functools.lru_cache(maxsize=64)
def _pil_font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size)


def render_typed_signature(
    text: str,
    width_px: int,
    height_px: int,
    color: tuple[int, int, int] = (20, 24, 40),
) -> bytes:
    """Draw a typed name as a signature: a transparent PNG of the given size.

    Greek and Cyrillic letters, which Kaushan Script lacks, and every other script, fall back
    to the document fonts, so any name comes out legible.
    """
    if width_px < 8 or height_px < 8:
        raise ValueError("a typed signature needs at least 8x8 pixels")
    text = " ".join(text.split())  # bidi controls are honoured, then dropped, by level_runs
    image = Image.new("RGBA", (width_px, height_px), (0, 0, 0, 0))
    if not text:
        return _png(image)
    chain = _handwriting_chain()
    raqm = features.check_feature("raqm")
    runs, _ = level_runs(text, chain)
    visual = reorder(runs, [r[1] for r in runs])

    def measure(size: int) -> list[tuple[ImageFont.FreeTypeFont, str, str | None, float]]:
        pieces = []
        for font, level, run in visual:
            pil = _pil_font(font.path, size)
            # Raqm shapes and orders a right-to-left run itself; basic layout needs it reversed.
            direction = "rtl" if level % 2 and raqm else None
            drawn = run if direction or not level % 2 else mirror_reverse(run)
            pieces.append((pil, drawn, direction, pil.getlength(drawn, direction=direction)))
        return pieces

    size = max(4, int(height_px * 0.6))
    pieces = measure(size)
    total = sum(p[3] for p in pieces)
    if total > width_px * 0.92:
        size = max(4, int(size * width_px * 0.92 / total))
        pieces = measure(size)
        total = sum(p[3] for p in pieces)
    draw = ImageDraw.Draw(image)
    x = (width_px - total) / 2
    baseline = height_px * 0.7
    for pil, drawn, direction, length in pieces:
        draw.text((x, baseline), drawn, font=pil, fill=(*color, 255), anchor="ls",
                  direction=direction)  # fmt: skip
        x += length
    return _png(image)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
