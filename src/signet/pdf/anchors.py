"""Find text in a PDF and paint over it: anchor tags, ``[Token.Name]`` placeholders.

Pure functions, no database. Positions are in percent of the page as displayed (rotation and
CropBox applied), top-left origin, exactly as fields are placed. Text is located with pdfium's
text page (its search knows case and whole-word rules); painting uses one reportlab overlay
placed on each page as a Form XObject, like ``stamp``.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import pikepdf
import pypdfium2 as pdfium
from pikepdf import Dictionary, Name
from reportlab.pdfgen.canvas import Canvas

from signet.pdf import fonts
from signet.pdf.stamp import PageGeometry, page_geometry
from signet.pdf.text_removal import Box, remove_glyphs

__all__ = [
    "Cover",
    "TextBox",
    "cover_boxes",
    "erase_text",
    "find_text",
    "find_tokens",
    "token_cover",
    "token_names",
]

# PandaDoc-style variables: [Client.Name], [Sender.Company], [Contract_Number].
TOKEN = re.compile(r"\[([A-Za-z][\w.\-]{0,99})\]")
# A tight glyph box of bracketed text spans about 0.93 em, from 0.2 em below the baseline.
_EM_OF_BRACKETS = 0.93
_DESCENT = 0.2


@dataclass(frozen=True)
class TextBox:
    """Where a piece of text sits: page (1-based) and box in percent, top-left origin."""

    page_number: int
    x: float
    y: float
    width: float
    height: float
    text: str
    # The same box in points, for offsets and font sizes.
    page_width: float
    page_height: float

    @property
    def height_pt(self) -> float:
        return self.height / 100 * self.page_height


@dataclass(frozen=True)
class Cover:
    """A white box to paint (percent, top-left origin), with optional text written in it;
    ``fill=False`` writes the text only (the glyphs under it were already removed)."""

    page_number: int
    x: float
    y: float
    width: float
    height: float
    text: str | None = None
    font_size: float | None = None  # points; default: fitted to the box height
    pad: float = 0.6  # points added on each side so antialiased glyph edges disappear too
    fill: bool = True


def _inverse(geo: PageGeometry) -> tuple[float, float, float, float, float, float]:
    a, b, c, d, e, f = geo.matrix
    det = a * d - b * c
    return (d / det, -b / det, -c / det, a / det, (c * f - d * e) / det, (b * e - a * f) / det)


def _to_display(inv: tuple[float, ...], x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = inv
    return a * x + c * y + e, b * x + d * y + f


def _box(
    geo: PageGeometry,
    inv: tuple[float, ...],
    rect: tuple[float, float, float, float],
) -> tuple[float, float, float, float]:
    """A user-space rectangle (l, b, r, t) → displayed percent (x, y, w, h), top-left origin."""
    left, bottom, right, top = rect
    corners = [_to_display(inv, x, y) for x in (left, right) for y in (bottom, top)]
    xs, ys = [p[0] for p in corners], [p[1] for p in corners]
    x0, x1 = max(min(xs), 0.0), min(max(xs), geo.width)
    y0, y1 = max(min(ys), 0.0), min(max(ys), geo.height)
    return (
        x0 / geo.width * 100,
        (geo.height - y1) / geo.height * 100,
        max(x1 - x0, 0.0) / geo.width * 100,
        max(y1 - y0, 0.0) / geo.height * 100,
    )


def _union(rects: list[tuple[float, float, float, float]]) -> tuple[float, float, float, float]:
    return (
        min(r[0] for r in rects),
        min(r[1] for r in rects),
        max(r[2] for r in rects),
        max(r[3] for r in rects),
    )


class _Pages:
    """The document open in pdfium (text) and pikepdf (geometry) at once."""

    def __init__(self, data: bytes) -> None:
        self.doc = pdfium.PdfDocument(data)
        with pikepdf.open(io.BytesIO(data)) as pdf:
            self.geometries = [page_geometry(p) for p in pdf.pages]

    def close(self) -> None:
        self.doc.close()

    def boxes(
        self, page_index: int, textpage: pdfium.PdfTextPage, start: int, count: int, text: str
    ) -> TextBox:
        geo = self.geometries[page_index]
        rects = [textpage.get_rect(i) for i in range(textpage.count_rects(start, count))]
        if not rects:
            rects = [textpage.get_charbox(i) for i in range(start, start + count)]
        x, y, w, h = _box(geo, _inverse(geo), _union(rects))
        return TextBox(page_index + 1, x, y, w, h, text, geo.width, geo.height)


def find_text(
    data: bytes, needle: str, *, case_sensitive: bool = False, whole_word: bool = True
) -> list[TextBox]:
    """Every occurrence of ``needle`` in reading order, page by page."""
    if not needle:
        return []
    pages = _Pages(data)
    found: list[TextBox] = []
    try:
        for index in range(len(pages.doc)):
            textpage = pages.doc[index].get_textpage()
            searcher = textpage.search(
                needle, match_case=case_sensitive, match_whole_word=whole_word
            )
            while (hit := searcher.get_next()) is not None:
                start, count = hit
                found.append(
                    pages.boxes(
                        index, textpage, start, count, textpage.get_text_range(start, count)
                    )
                )
    finally:
        pages.close()
    return found


def find_tokens(data: bytes) -> list[TextBox]:
    """Every ``[Token.Name]`` placeholder; ``text`` is the name without brackets."""
    pages = _Pages(data)
    found: list[TextBox] = []
    try:
        for index in range(len(pages.doc)):
            textpage = pages.doc[index].get_textpage()
            text = textpage.get_text_range()
            for m in TOKEN.finditer(text):
                start, count = m.start(), m.end() - m.start()
                if textpage.get_text_range(start, count) != m.group(0):
                    # Index drift (characters outside the BMP): find it by search instead.
                    continue
                found.append(pages.boxes(index, textpage, start, count, m.group(1)))
            if any(ord(c) > 0xFFFF for c in text):
                found.extend(_tokens_by_search(pages, index, textpage, text, found))
    finally:
        pages.close()
    return found


def _tokens_by_search(
    pages: _Pages, index: int, textpage: pdfium.PdfTextPage, text: str, known: list[TextBox]
) -> list[TextBox]:
    seen = {(b.page_number, b.text, round(b.x, 3), round(b.y, 3)) for b in known}
    out = []
    for name in dict.fromkeys(m.group(1) for m in TOKEN.finditer(text)):
        searcher = textpage.search(f"[{name}]", match_case=True)
        while (hit := searcher.get_next()) is not None:
            box = pages.boxes(index, textpage, hit[0], hit[1], name)
            if (box.page_number, name, round(box.x, 3), round(box.y, 3)) not in seen:
                out.append(box)
    return out


def token_names(data: bytes) -> list[str]:
    """The distinct placeholder names, in order of first appearance."""
    return list(dict.fromkeys(box.text for box in find_tokens(data)))


def token_cover(box: TextBox, value: str, *, fill: bool = True) -> Cover:
    """Cover a placeholder and write ``value`` on the same baseline, at the same size."""
    size = max(box.height_pt / _EM_OF_BRACKETS, 4.0)
    return Cover(
        box.page_number,
        box.x,
        box.y,
        box.width,
        box.height,
        text=value,
        font_size=size,
        fill=fill,
    )


def erase_text(
    data: bytes, boxes: Sequence[TextBox], glyphs: Sequence[int]
) -> tuple[bytes, list[bool]]:
    """Remove the text in ``boxes`` from the content streams; ``glyphs[i]`` is how many glyphs
    box ``i`` holds. Returns the new PDF and, per box, whether it is gone from the text layer
    (if not, paint over it with a Cover)."""
    removal = [Box(b.page_number, b.x, b.y, b.width, b.height) for b in boxes]
    out, counts = remove_glyphs(data, removal)
    return out, [n >= want > 0 for n, want in zip(counts, glyphs, strict=True)]


def _draw(canvas: Canvas, cover: Cover, geo: PageGeometry) -> None:
    x = cover.x / 100 * geo.width
    w = cover.width / 100 * geo.width
    h = cover.height / 100 * geo.height
    y = geo.height - (cover.y + cover.height) / 100 * geo.height
    canvas.saveState()
    if cover.fill:
        canvas.setFillColorRGB(1, 1, 1)
        canvas.rect(
            x - cover.pad, y - cover.pad, w + 2 * cover.pad, h + 2 * cover.pad, stroke=0, fill=1
        )
    if cover.text:
        size = cover.font_size or max(h * 0.8, 4.0)
        # Never cut a value: a longer one is made smaller to fit the placeholder's width.
        width = fonts.text_width(cover.text, size)
        if width > w and width > 0:
            size = max(size * w / width, 4.0)
        canvas.setFillColorRGB(0, 0, 0)
        fonts.draw_text_line(canvas, x, y + _DESCENT * size, cover.text, size, width=w)
    canvas.restoreState()


def _inherited(node: pikepdf.Object | None, key: str) -> pikepdf.Object | None:
    """A page attribute that may sit on an ancestor /Pages node (Resources, Rotate...)."""
    for _ in range(64):  # a bound, in case of a malformed /Parent loop
        if node is None:
            return None
        if key in node:
            return node[key]
        node = node.get("/Parent")
    return None


def _copy(value: pikepdf.Object | None) -> pikepdf.Dictionary:
    """A new direct dictionary with the same entries (values stay shared), or an empty one."""
    return Dictionary(dict(value.items())) if isinstance(value, Dictionary) else Dictionary()


def _num(value: float) -> str:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def cover_boxes(data: bytes, covers: Sequence[Cover]) -> bytes:
    """Paint ``covers`` (white boxes, optional text) over the PDF; returns the new file.

    The page content is kept and wrapped in q/Q, then the overlay is drawn on top, so nothing
    the original leaves in the graphics state can move or hide it.
    """
    by_page: dict[int, list[Cover]] = defaultdict(list)
    for cover in covers:
        by_page[cover.page_number].append(cover)
    if not by_page:
        return data
    with pikepdf.open(io.BytesIO(data)) as pdf:
        if max(by_page) > len(pdf.pages) or min(by_page) < 1:
            raise ValueError(f"a cover is on page {max(by_page)}; the PDF has {len(pdf.pages)}")
        numbers = sorted(by_page)
        targets = [pdf.pages[n - 1] for n in numbers]
        geometries = [page_geometry(p) for p in targets]
        buf = io.BytesIO()
        with fonts.binary_streams():
            canvas = Canvas(buf, pageCompression=1)
            for number, geo in zip(numbers, geometries, strict=True):
                canvas.setPageSize((geo.width, geo.height))
                for cover in by_page[number]:
                    _draw(canvas, cover, geo)
                canvas.showPage()
            canvas.save()
        overlay = pikepdf.open(io.BytesIO(buf.getvalue()))
        for page, geo, layer in zip(targets, geometries, overlay.pages, strict=True):
            form = pdf.copy_foreign(layer.as_form_xobject())
            resources = _copy(_inherited(page.obj, "/Resources"))
            xobjects = _copy(resources.get("/XObject"))
            name = Name("/SignetCover")
            suffix = 1
            while name in xobjects:
                name = Name(f"/SignetCover{suffix}")
                suffix += 1
            xobjects[name] = form
            resources.XObject = xobjects
            page.obj.Resources = resources
            matrix = " ".join(_num(v) for v in geo.matrix)
            page.contents_add(b"q\n", prepend=True)
            page.contents_add(f"\nQ\nq {matrix} cm {name} Do Q\n".encode())
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()
