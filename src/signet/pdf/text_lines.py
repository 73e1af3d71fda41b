"""One line of text in any script: fonts per character, right-to-left order, shaping (Arabic
joining, Indic clusters) when ``uharfbuzz`` is installed, and drawing it on a reportlab canvas."""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from typing import Any, Literal

from reportlab.pdfbase import pdfmetrics

from signet.pdf.font_files import FONT_LOCK, PRIVATE_TEXT, LoadedFont, font_chain, level_runs
from signet.pdf.reportlab_internals import (
    ShapedStr,
    embedded_font_name,
    shape_run,
    shaped_advance,
    shaping_available,
)
from signet.pdf.text_bidi import mirror_reverse, reorder

Align = Literal["left", "right", "center", "auto"]

# Scripts whose letters change shape or reorder around marks: shaped when uharfbuzz is present.
_COMPLEX = ((0x0590, 0x08FF), (0x0900, 0x0DFF), (0x0E00, 0x0EFF), (0x1000, 0x109F),
                   (0x1780, 0x17FF), (0xFB1D, 0xFDFF), (0xFE70, 0xFEFF))  # fmt: skip
# No "liga": a ligature glyph stands for several characters, and some readers (pdfium) reverse
# those characters when they reorder right-to-left text. Required ligatures (rlig) stay on.
_HB_FEATURES = {"kern": True, "liga": False}


@dataclass(frozen=True)
class Segment:
    """A piece of a line in visual order, drawn in one font; ``text`` may be a ShapedStr."""

    font: str
    text: str
    em_width: float  # width at a font size of 1 pt
    logical: str  # the characters it stands for, in reading order
    rtl: bool = False


@dataclass(frozen=True)
class TextLine:
    segments: tuple[Segment, ...]
    em_width: float
    rtl: bool  # paragraph direction, to align right-to-left text on the right

    def width(self, size: float) -> float:
        return self.em_width * size


def _needs_shaping(text: str) -> bool:
    """Left-to-right text that harfbuzz must shape: Indic and Thai letters, combining marks.

    Digits are left alone: harfbuzz would read Arabic-Indic digits as right-to-left.
    """
    for char in text:
        if unicodedata.bidirectional(char) not in ("L", "NSM"):
            continue
        code = ord(char)
        if unicodedata.category(char)[0] == "M" or any(lo <= code <= hi for lo, hi in _COMPLEX):
            return True
    return False


@functools.lru_cache(maxsize=4096)
def _shape(text: str, font_name: str) -> str:
    """Shape one run with harfbuzz; returns glyphs in visual order as a ShapedStr."""
    with FONT_LOCK:
        run = shape_run(text, font_name, _HB_FEATURES)
        if not run.clusters:
            return run.text
        result = run.text
        font = next(f for f in font_chain(False) + font_chain(True) if f.name == font_name)
        private = PRIVATE_TEXT.setdefault(embedded_font_name(font_name), {})
        clusters = sorted(set(run.clusters))
        ends = dict(zip(clusters, [*clusters[1:], len(text)], strict=True))
        # Characters of each cluster not already drawn by a glyph that maps back to them:
        # what a private-use glyph (ligature, reordered vowel sign) stands for.
        rest = {c: list(text[c : ends[c]]) for c in clusters}
        for char, cluster in zip(result, run.clusters, strict=True):
            if ord(char) in font.cmap and char in rest[cluster]:
                rest[cluster].remove(char)
        for char, cluster in zip(result, run.clusters, strict=True):
            code = ord(char)
            if code not in font.cmap and code not in private:
                private[code] = "".join(rest[cluster]) or "\u200b"
                rest[cluster] = []
        return result


@functools.lru_cache(maxsize=4096)
def layout_line(text: str, bold: bool = False) -> TextLine:
    """Lay out one line: fonts per character, right-to-left order, shaping."""
    text = text.replace("\t", "    ")  # bidi controls are honoured, then dropped, by level_runs
    chain = font_chain(bold)
    if text.isascii() and chain[0].cmap.issuperset(map(ord, text)):
        # Most certificate text: one left-to-right run in the primary font, nothing to shape.
        # _layout_by_character gives the same result, a character at a time.
        em = pdfmetrics.stringWidth(text, chain[0].name, 1.0)
        return TextLine((Segment(chain[0].name, text, em, text),) if text else (), em, False)
    return _layout_by_character(text, chain)


def _layout_by_character(text: str, chain: tuple[LoadedFont, ...]) -> TextLine:
    runs, rtl = level_runs(text, chain)
    segments = []
    hb = shaping_available()
    for font, level, run in reorder(runs, [r[1] for r in runs]):
        has_rtl_letters = any(unicodedata.bidirectional(c) in ("R", "AL") for c in run)
        if level % 2 and hb and has_rtl_letters:
            drawn = _shape(run, font.name)  # harfbuzz puts right-to-left glyphs in visual order
        elif level % 2:
            drawn = mirror_reverse(run)
        elif hb and _needs_shaping(run):
            drawn = _shape(run, font.name)
        else:
            drawn = run
        advance = shaped_advance(drawn)
        if advance is not None:
            em = advance / 1000
        else:
            em = pdfmetrics.stringWidth(drawn, font.name, 1.0)
        segments.append(Segment(font.name, drawn, em, run, bool(level % 2)))
    return TextLine(tuple(segments), sum(s.em_width for s in segments), rtl)


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width in points of ``text`` drawn on one line."""
    return layout_line(text, bold).width(size)


def _left_edge(line: TextLine, x: float, size: float, align: Align, width: float) -> float:
    """Where ``line`` starts in a box ``width`` wide whose left edge is ``x``."""
    if align == "auto":
        align = "right" if line.rtl else "left"
    if align == "right":
        return x + width - line.width(size)
    if align == "center":
        return x + (width - line.width(size)) / 2
    return x


def draw_text_line(
    canvas: Any,
    x: float,
    y: float,
    text: str,
    size: float,
    *,
    bold: bool = False,
    align: Align = "auto",
    width: float = 0.0,
) -> tuple[float, float]:
    """Draw one line with its baseline at ``y``; returns (left x, width) of what was drawn.

    ``x`` is the left edge of a box ``width`` wide; ``align="auto"`` puts right-to-left text
    on the right of that box and everything else on the left.
    """
    line = layout_line(text, bold)
    drawn = line.width(size)
    x = left = _left_edge(line, x, size, align, width)
    text_object = None
    for segment in line.segments:
        # Left-to-right shaped text (Indic vowel signs drawn before their consonant) gets its
        # reading-order text as /ActualText, which extractors prefer to the glyph order.
        # Right-to-left runs do not: readers reorder those themselves, and would reverse it.
        actual = isinstance(segment.text, ShapedStr) and not segment.rtl
        if actual:
            if text_object is not None:
                canvas.drawText(text_object)
            utf16 = ("\ufeff" + segment.logical).encode("utf-16-be").hex().upper()
            canvas.addLiteral(f"/Span <</ActualText <{utf16}>>> BDC")
            text_object = canvas.beginText(x, y)
        elif text_object is None:
            text_object = canvas.beginText(x, y)
        text_object.setFont(segment.font, size)
        text_object.textOut(segment.text)
        if actual:
            canvas.drawText(text_object)
            canvas.addLiteral("EMC")
            text_object = None
        x += segment.em_width * size
    if text_object is not None:
        canvas.drawText(text_object)
    return left, drawn


class TextBatch:
    """Lines drawn into one PDF text object, for a page that holds many of them.

    :func:`draw_text_line` starts a text object per line and names its font every time; here
    each line moves the text origin, and the font and colour are named only when they change.
    A line that needs marked content (left-to-right shaped text with /ActualText) is drawn by
    :func:`draw_text_line` on its own. Nothing reaches the canvas until :meth:`flush`, so text
    added here is drawn over any lines or pictures drawn on the canvas meanwhile.
    """

    def __init__(self, canvas: Any) -> None:
        self.canvas = canvas
        self._text: Any = None
        self._font: tuple[str, float] | None = None
        self._color: Any = None

    def add(
        self,
        x: float,
        y: float,
        text: str,
        size: float,
        color: Any,
        *,
        bold: bool = False,
        align: Align = "auto",
        width: float = 0.0,
    ) -> None:
        """Draw ``text`` as :func:`draw_text_line` would, in ``color``."""
        line = layout_line(text, bold)
        if any(isinstance(s.text, ShapedStr) and not s.rtl for s in line.segments):
            self.flush()
            self.canvas.setFillColor(color)
            draw_text_line(self.canvas, x, y, text, size, bold=bold, align=align, width=width)
            return
        x = _left_edge(line, x, size, align, width)
        if self._text is None:
            self._text = self.canvas.beginText(x, y)
            self._font = self._color = None
        else:
            self._text.setTextOrigin(x, y)
        if color is not self._color:
            self._text.setFillColor(color)
            self._color = color
        for segment in line.segments:
            if (segment.font, size) != self._font:
                self._text.setFont(segment.font, size)
                self._font = (segment.font, size)
            self._text.textOut(segment.text)

    def flush(self) -> None:
        """Put the text added so far on the canvas."""
        if self._text is not None:
            self.canvas.drawText(self._text)
            self._text = None
