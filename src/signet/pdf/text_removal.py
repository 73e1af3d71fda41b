"""Delete glyphs from a page's content stream: anchor markers and token placeholders go from
the text layer too, not only from view.

Each text-showing operator is replayed with the text state (font, size, spacing, matrices) to
find where every glyph sits; a glyph whose centre lies in one of the boxes is cut out of its
string and replaced by a ``TJ`` adjustment of the same advance, so the rest of the line stays
exactly where it was. Works for simple fonts (with ``/Widths``, or the standard 14) and
``Identity-H`` composite fonts; text it cannot measure (Type 3 fonts, text inside form
XObjects) is left alone and reported, so the caller can paint over it instead.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name, Operator, String
from reportlab.pdfbase import pdfmetrics

from signet.pdf.stamp import page_geometry

__all__ = ["Box", "remove_glyphs"]

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
_STANDARD = {
    "Helvetica", "Helvetica-Bold", "Helvetica-Oblique", "Helvetica-BoldOblique",
    "Times-Roman", "Times-Bold", "Times-Italic", "Times-BoldItalic", "Courier",
    "Courier-Bold", "Courier-Oblique", "Courier-BoldOblique", "Symbol", "ZapfDingbats",
}  # fmt: skip


@dataclass(frozen=True)
class Box:
    """A region whose glyphs go: page (1-based) and percent of the displayed page, top-left."""

    page_number: int
    x: float
    y: float
    width: float
    height: float


def _mul(m: Matrix, n: Matrix) -> Matrix:
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s,
            e * p + f * r + t, e * q + f * s + u)  # fmt: skip


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


class _Font:
    """Code → width (1/1000 em) for the fonts this module can measure."""

    def __init__(self, font: Dictionary) -> None:
        self.two_byte = False
        self.widths: dict[int, float] = {}
        self.default: float | None = None
        self.standard: str | None = None
        subtype = str(font.get("/Subtype", ""))
        if subtype == "/Type0":
            encoding = font.get("/Encoding")
            descendants = font.get("/DescendantFonts")
            if encoding != Name.Identity_H or not isinstance(descendants, Array):
                return
            cid = descendants[0]
            self.two_byte = True
            self.default = float(cid.get("/DW", 1000))
            w = cid.get("/W")
            items = list(w) if isinstance(w, Array) else []
            i = 0
            while i + 1 < len(items):
                first = int(items[i])
                if isinstance(items[i + 1], Array):
                    for k, value in enumerate(items[i + 1]):
                        self.widths[first + k] = float(value)
                    i += 2
                elif i + 2 < len(items):
                    for code in range(first, int(items[i + 1]) + 1):
                        self.widths[code] = float(items[i + 2])
                    i += 3
                else:
                    break
            return
        if subtype not in ("/Type1", "/TrueType", "/MMType1"):
            return
        widths = font.get("/Widths")
        if isinstance(widths, Array):
            first = int(font.get("/FirstChar", 0))
            self.widths = {first + k: float(v) for k, v in enumerate(widths)}
            descriptor = font.get("/FontDescriptor")
            missing = descriptor.get("/MissingWidth", 0) if descriptor is not None else 0
            self.default = float(missing)
            return
        base = str(font.get("/BaseFont", "")).lstrip("/")
        if base in _STANDARD:
            self.standard = base

    @property
    def measurable(self) -> bool:
        return self.two_byte or bool(self.widths) or self.standard is not None

    def codes(self, data: bytes) -> list[bytes]:
        if self.two_byte:
            return [data[i : i + 2] for i in range(0, len(data) - 1, 2)]
        return [data[i : i + 1] for i in range(len(data))]

    def width(self, code: bytes) -> float:
        value = int.from_bytes(code, "big")
        if self.standard is not None:
            char = code.decode("cp1252", errors="replace")
            return pdfmetrics.stringWidth(char, self.standard, 1000)
        return self.widths.get(value, self.default or 0.0)


@dataclass
class _TextState:
    font: _Font | None = None
    size: float = 0.0
    char_spacing: float = 0.0
    word_spacing: float = 0.0
    scale: float = 1.0
    leading: float = 0.0
    rise: float = 0.0

    def copy(self) -> _TextState:
        return _TextState(self.font, self.size, self.char_spacing, self.word_spacing,
                          self.scale, self.leading, self.rise)  # fmt: skip


class _Page:
    """Replays one page's content stream and rewrites the operators that lose glyphs."""

    def __init__(self, fonts: Dictionary | None, rects: Sequence[tuple[float, ...]]) -> None:
        self.fonts = fonts
        self.rects = rects
        self.hits = [0] * len(rects)
        self.cache: dict[str, _Font] = {}
        self.ctm: Matrix = IDENTITY
        self.ts = _TextState()
        self.stack: list[tuple[Matrix, _TextState]] = []
        self.tm: Matrix = IDENTITY
        self.tlm: Matrix = IDENTITY
        self.changed = False

    def _font(self, name: pikepdf.Object) -> _Font | None:
        key = str(name)
        if key not in self.cache:
            font = self.fonts.get(key) if isinstance(self.fonts, Dictionary) else None
            self.cache[key] = _Font(font) if isinstance(font, Dictionary) else _Font(Dictionary())
        return self.cache[key]

    def _move_line(self, tx: float, ty: float) -> None:
        self.tlm = _mul((1, 0, 0, 1, tx, ty), self.tlm)
        self.tm = self.tlm

    def _show(self, data: bytes) -> list[pikepdf.Object] | None:
        """Advance over ``data``; the TJ items without the removed glyphs, or None if none."""
        ts, font = self.ts, self.ts.font
        if font is None or not font.measurable or ts.size == 0 or ts.scale == 0:
            return None
        out: list[pikepdf.Object] = []
        kept = b""
        removed_any = False
        for code in font.codes(data):
            w0 = font.width(code)
            space = ts.word_spacing if (not font.two_byte and code == b" ") else 0.0
            tx = (w0 / 1000 * ts.size + ts.char_spacing + space) * ts.scale
            trm = _mul((ts.size * ts.scale, 0, 0, ts.size, 0, ts.rise), _mul(self.tm, self.ctm))
            cx, cy = _apply(trm, w0 / 2000, 0.3)
            hit = next((i for i, r in enumerate(self.rects)
                        if r[0] <= cx <= r[2] and r[1] <= cy <= r[3]), None)  # fmt: skip
            if hit is None:
                kept += code
            else:
                self.hits[hit] += 1
                removed_any = True
                if kept:
                    out.append(String(kept))
                    kept = b""
                out.append(-tx * 1000 / (ts.size * ts.scale))  # type: ignore[arg-type]
            self.tm = _mul((1, 0, 0, 1, tx, 0), self.tm)
        if kept:
            out.append(String(kept))
        return out if removed_any else None

    def run(self, ops: Sequence[Any]) -> list[Any]:
        """The instructions, with the ones that lost glyphs rewritten (others kept as they
        are, inline images included)."""
        new: list[Any] = []
        for instruction in ops:
            op = instruction.operator
            replaced = self._step(str(op), list(instruction.operands), op)
            new.extend(replaced if replaced is not None else [instruction])
        return new

    def _step(self, name: str, args: list, op: Operator) -> list[tuple[list, Operator]] | None:
        ts = self.ts
        nums = [float(a) for a in args if isinstance(a, int | float | pikepdf.Object)
                and not isinstance(a, String | Name | Array)] if name not in (
            "Tj", "'", '"', "TJ", "Tf") else []  # fmt: skip
        if name == "q":
            self.stack.append((self.ctm, ts.copy()))
        elif name == "Q" and self.stack:
            self.ctm, self.ts = self.stack.pop()
        elif name == "cm" and len(nums) == 6:
            self.ctm = _mul(tuple(nums), self.ctm)  # type: ignore[arg-type]
        elif name == "BT":
            self.tm = self.tlm = IDENTITY
        elif name == "Tf" and len(args) == 2:
            ts.font, ts.size = self._font(args[0]), float(args[1])
        elif name == "Tc" and nums:
            ts.char_spacing = nums[0]
        elif name == "Tw" and nums:
            ts.word_spacing = nums[0]
        elif name == "Tz" and nums:
            ts.scale = nums[0] / 100
        elif name == "TL" and nums:
            ts.leading = nums[0]
        elif name == "Ts" and nums:
            ts.rise = nums[0]
        elif name == "Td" and len(nums) == 2:
            self._move_line(nums[0], nums[1])
        elif name == "TD" and len(nums) == 2:
            ts.leading = -nums[1]
            self._move_line(nums[0], nums[1])
        elif name == "Tm" and len(nums) == 6:
            self.tm = self.tlm = tuple(nums)  # type: ignore[assignment]
        elif name == "T*":
            self._move_line(0, -ts.leading)
        elif name in ("Tj", "'", '"'):
            if name == '"' and len(args) == 3:
                ts.word_spacing, ts.char_spacing = float(args[0]), float(args[1])
            if name in ("'", '"'):
                self._move_line(0, -ts.leading)
            if not args or not isinstance(args[-1], String):
                return None
            items = self._show(bytes(args[-1]))
            if items is None:
                return None
            self.changed = True
            prefix: list[tuple[list, Operator]] = [([], Operator("T*"))] if name != "Tj" else []
            if name == '"':
                prefix = [([args[0]], Operator("Tw")), ([args[1]], Operator("Tc")), *prefix]
            return [*prefix, ([Array(items)], Operator("TJ"))]
        elif name == "TJ" and args and isinstance(args[0], Array):
            out: list[pikepdf.Object] = []
            touched = False
            for item in args[0]:
                if isinstance(item, String):
                    items = self._show(bytes(item))
                    touched |= items is not None
                    out.extend(items if items is not None else [item])
                else:
                    n = float(item)
                    self.tm = _mul((1, 0, 0, 1, -n / 1000 * ts.size * ts.scale, 0), self.tm)
                    out.append(item)
            if touched:
                self.changed = True
                return [([Array(out)], op)]
        return None


def _inherited(node: pikepdf.Object | None, key: str) -> pikepdf.Object | None:
    for _ in range(64):
        if node is None:
            return None
        if key in node:
            return node[key]
        node = node.get("/Parent")
    return None


def remove_glyphs(data: bytes, boxes: Sequence[Box]) -> tuple[bytes, list[int]]:
    """Cut the glyphs whose centre lies in ``boxes`` out of the pages' own content streams.

    Returns the new PDF (the same bytes when nothing was removed) and, per box, how many
    glyphs were removed from it (0: the caller should paint over the box instead)."""
    counts = [0] * len(boxes)
    by_page: dict[int, list[int]] = {}
    for i, box in enumerate(boxes):
        by_page.setdefault(box.page_number, []).append(i)
    changed = False
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for number, indexes in sorted(by_page.items()):
            if not 1 <= number <= len(pdf.pages):
                continue
            page = pdf.pages[number - 1]
            geo = page_geometry(page)
            rects = []
            for i in indexes:
                b = boxes[i]
                x0, x1 = b.x / 100 * geo.width, (b.x + b.width) / 100 * geo.width
                y1 = geo.height - b.y / 100 * geo.height
                y0 = geo.height - (b.y + b.height) / 100 * geo.height
                pts = [geo.to_user(x, y) for x in (x0, x1) for y in (y0, y1)]
                rects.append((min(p[0] for p in pts), min(p[1] for p in pts),
                              max(p[0] for p in pts), max(p[1] for p in pts)))  # fmt: skip
            resources = _inherited(page.obj, "/Resources")
            fonts = resources.get("/Font") if isinstance(resources, Dictionary) else None
            walker = _Page(fonts if isinstance(fonts, Dictionary) else None, rects)
            try:
                new_ops = walker.run(pikepdf.parse_content_stream(page))
            except (pikepdf.PdfError, ValueError, TypeError, IndexError, KeyError):
                continue  # an unreadable stream is left as it is; the caller paints over it
            for i, hits in zip(indexes, walker.hits, strict=True):
                counts[i] = hits
            if walker.changed:
                page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(new_ops))
                changed = True
        if not changed:
            return data, counts
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue(), counts
