"""Fonts for text a signer may type in any script, and typed-signature images.

Owns the fonts shipped in ``assets/`` (see ``assets/FONTS.txt``), their registration with
reportlab, per-character font fallback, right-to-left ordering, shaping (Arabic joining, Indic
clusters) when ``uharfbuzz`` is installed, and the ToUnicode maps that keep all of it extractable.

Drawing goes through :func:`layout_line` / :func:`draw_text_line` / :func:`wrap_text`, so the
stamp and the certificate render a Chinese or Arabic name exactly the same way.
"""

from __future__ import annotations

import contextlib
import functools
import io
import re
import struct
import threading
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from PIL import Image, ImageDraw, ImageFont, features
from reportlab import rl_config
from reportlab.lib.abag import ABag
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import ShapedStr, TTFont

__all__ = [
    "ASSETS_DIR",
    "BOLD",
    "REGULAR",
    "FontsMissing",
    "Segment",
    "TextLine",
    "coverage_summary",
    "draw_text_line",
    "binary_streams",
    "ensure_fonts_registered",
    "font_runs",
    "layout_line",
    "render_typed_signature",
    "script_coverage",
    "shaping_available",
    "text_width",
    "wrap_text",
]

ASSETS_DIR = Path(__file__).with_name("assets")
# Primary reportlab font names; a caller sets these as the "current" font of a style.
REGULAR = "SignetSans"
BOLD = "SignetSans-Bold"
HANDWRITING_FILE = "KaushanScript-Regular.otf"

Align = Literal["left", "right", "center", "auto"]


class FontsMissing(RuntimeError):
    """A shipped font file is missing: the installation is incomplete."""


@dataclass(frozen=True)
class _Face:
    name: str  # reportlab font name
    file: str
    label: str  # human name for logs


# Order matters: the first face holding a character draws it. DejaVu Sans also has Arabic and
# Hebrew, so it comes after the dedicated faces; it is the fallback for symbols, Armenian,
# Georgian and the like. Droid Sans Fallback (CJK) is large and used last.
_REGULAR_FACES = (
    _Face(REGULAR, "NotoSans-Regular.ttf", "Noto Sans"),
    _Face("SignetArabic", "NotoNaskhArabic-Regular.ttf", "Noto Naskh Arabic"),
    _Face("SignetHebrew", "NotoSansHebrew-Regular.ttf", "Noto Sans Hebrew"),
    _Face("SignetDevanagari", "NotoSansDevanagari-Regular.ttf", "Noto Sans Devanagari"),
    _Face("SignetThai", "NotoSansThai-Regular.ttf", "Noto Sans Thai"),
    _Face("SignetSymbols", "DejaVuSans.ttf", "DejaVu Sans"),
    _Face("SignetCJK", "DroidSansFallback.ttf", "Droid Sans Fallback"),
)
_BOLD_FACES = (
    _Face(BOLD, "NotoSans-Bold.ttf", "Noto Sans Bold"),
    _Face("SignetArabic-Bold", "NotoNaskhArabic-Bold.ttf", "Noto Naskh Arabic Bold"),
    _Face("SignetHebrew-Bold", "NotoSansHebrew-Bold.ttf", "Noto Sans Hebrew Bold"),
    *_REGULAR_FACES[3:],  # no bold cut shipped for these; regular is better than a box
)

# Sample characters per script for the start-up coverage line.
_SCRIPT_SAMPLES = {
    "Latin": "AaZzĞğİıŞşÇçÖöÜüÉéÑñßŁłŐő",
    "Greek": "ΑαΩωάέΣσς",
    "Cyrillic": "АаЯяЁёЖжЇїҚқ",
    "Arabic": "ابتثجحخدذرزسشصضطظعغفقكلمنهويپچژگ",
    "Hebrew": "אבגדהוזחטיכלמנסעפצקרשת",
    "Devanagari": "अआकखगघनमय",
    "Thai": "กขคงจฉ",
    "Chinese": "中文汉字體簡繁",
    "Japanese": "ひらがなカタカナ日本語",
    "Korean": "한국어가힣",
}
# Scripts whose letters change shape or reorder around marks: shaped when uharfbuzz is present.
_COMPLEX = ((0x0590, 0x08FF), (0x0900, 0x0DFF), (0x0E00, 0x0EFF), (0x1000, 0x109F),
                   (0x1780, 0x17FF), (0xFB1D, 0xFDFF), (0xFE70, 0xFEFF))  # fmt: skip
_MIRROR = dict(zip("()[]{}<>«»‹›", ")(][}{><»«›‹", strict=True))
# Explicit bidi controls: the simplified algorithm below orders by implicit rules only.
_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e"
                                       "\u2066\u2067\u2068\u2069"))  # fmt: skip
# No "liga": a ligature glyph stands for several characters, and some readers (pdfium) reverse
# those characters when they reorder right-to-left text. Required ligatures (rlig) stay on.
_HB_FEATURES = {"kern": True, "liga": False}


@dataclass(frozen=True)
class _Font:
    name: str
    label: str
    path: Path
    cmap: frozenset[int]  # code points the font really has (before shaping adds private ones)


_lock = threading.RLock()
# Private-use codes reportlab gives to shaped glyphs that no character maps to (ligatures,
# contextual forms), per embedded font name: code -> the text the glyph stands for.
_PRIVATE_TEXT: dict[str, dict[int, str]] = {}


def shaping_available() -> bool:
    """True when uharfbuzz is installed, so Arabic joins and Indic clusters form."""
    return ttfonts.uharfbuzz is not None


def _to_unicode_cmap(fontname: str, subset: Sequence[int]) -> str:
    """reportlab's ToUnicode CMap, made right for shaped and non-BMP text.

    reportlab maps each code to itself. That loses ligatures and joined forms (they get
    private-use codes), and writes code points above U+FFFF as invalid 5-digit hex.
    """
    private = _PRIVATE_TEXT.get(fontname.split("+", 1)[-1], {})
    rows = []
    for i, code in enumerate(subset):
        text = private.get(code)
        if text is None:
            char = chr(code)
            # Presentation forms come out of Arabic shaping; readers want the base letters.
            is_form = 0xFB50 <= code <= 0xFDFF or 0xFE70 <= code <= 0xFEFF
            text = unicodedata.normalize("NFKC", char) if is_form else char
        rows.append(f"<{i:02X}> <{text.encode('utf-16-be').hex().upper()}>")
    return "\n".join(
        [
            "/CIDInit /ProcSet findresource begin",
            "12 dict begin",
            "begincmap",
            "/CIDSystemInfo",
            f"<< /Registry ({fontname})",
            f"/Ordering ({fontname})",
            "/Supplement 0",
            ">> def",
            f"/CMapName /{fontname} def",
            "/CMapType 2 def",
            "1 begincodespacerange",
            f"<00> <{len(subset) - 1:02X}>",
            "endcodespacerange",
            f"{len(subset)} beginbfchar",
            *rows,
            "endbfchar",
            "endcmap",
            "CMapName currentdict /CMap defineresource pop",
            "end",
            "end",
        ]
    )


def _load(face: _Face) -> _Font:
    path = ASSETS_DIR / face.file
    if not path.is_file():
        raise FontsMissing(
            f"Font file {path} is missing; reinstall Signet so that src/signet/pdf/assets "
            "is included (see assets/FONTS.txt)"
        )
    try:
        font = pdfmetrics.getFont(face.name)
    except KeyError:
        font = TTFont(face.name, str(path), shapable=True)
        pdfmetrics.registerFont(font)
    assert isinstance(font, TTFont)
    codes = frozenset(c for c in font.face.charToGlyph if not 0xE000 <= c <= 0xF8FF)
    return _Font(face.name, face.label, path, codes)


@functools.cache
def _chain(bold: bool) -> tuple[_Font, ...]:
    with _lock:
        # Installed once: every TrueType font reportlab embeds in this process gets the
        # corrected map; for text that was never shaped the output is the same as before.
        ttfonts.makeToUnicodeCMap = _to_unicode_cmap
        return tuple(_load(face) for face in (_BOLD_FACES if bold else _REGULAR_FACES))


@contextlib.contextmanager
def binary_streams() -> Iterator[None]:
    """Let reportlab write binary streams instead of ASCII85 while in this block.

    ASCII85 makes images 25% larger and, without reportlab's C accelerator, is encoded in
    pure Python: most of the time of a small stamp. Another thread writing a PDF meanwhile
    may get either form; both are valid PDF.
    """
    saved = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = saved


def ensure_fonts_registered() -> None:
    """Register every shipped font with reportlab; raises FontsMissing with the file's path."""
    _chain(False)
    _chain(True)


# --- per-character fallback -------------------------------------------------------------


def _is_letter(char: str) -> bool:
    return unicodedata.category(char)[0] == "L"


def _pick(char: str, chain: Sequence[_Font], current: _Font | None) -> _Font:
    code = ord(char)
    # Spaces, digits, punctuation and marks stay in the font of the run they sit in, so a
    # name like "محمد، ٣" is one run and a mark is shaped with its base letter.
    if current is not None and code in current.cmap and not _is_letter(char):
        return current
    for font in chain:
        if code in font.cmap:
            return font
    return current or chain[0]  # no font has it: the primary font's box, still extractable


def font_runs(text: str, bold: bool = False) -> list[tuple[str, str]]:
    """Split ``text`` (logical order) into (reportlab font name, text) runs, one font each."""
    chain = _chain(bold)
    runs: list[tuple[str, str]] = []
    current: _Font | None = None
    for char in text:
        font = _pick(char, chain, current)
        if runs and font is current:
            runs[-1] = (font.name, runs[-1][1] + char)
        else:
            runs.append((font.name, char))
        current = font
    return runs


# --- bidi (implicit rules of UAX #9, enough for one line of typed text) -------------------


def _bidi_levels(text: str) -> tuple[list[int], bool]:
    """Embedding level of every character, and whether the paragraph is right-to-left."""
    types = [unicodedata.bidirectional(c) or "L" for c in text]
    rtl = next((t in ("R", "AL") for t in types if t in ("L", "R", "AL")), False)
    base = "R" if rtl else "L"
    # W1-W3: marks take the type before them; digits after Arabic letters are Arabic digits.
    strong = base
    for i, t in enumerate(types):
        if t == "NSM":
            t = types[i - 1] if i else base
        if t == "EN" and strong == "AL":
            t = "AN"
        if t in ("L", "R", "AL"):
            strong = t
        types[i] = "R" if t == "AL" else t
    # W4-W7: separators inside numbers, currency signs next to numbers, digits after Latin.
    for i in range(1, len(types) - 1):
        if types[i] in ("ES", "CS") and types[i - 1] == types[i + 1] == "EN":
            types[i] = "EN"
        elif types[i] == "CS" and types[i - 1] == types[i + 1] == "AN":
            types[i] = "AN"
    for i, t in enumerate(types):
        if t == "ET" and (
            (i and types[i - 1] == "EN") or (i + 1 < len(types) and types[i + 1] == "EN")
        ):
            types[i] = "EN"
    strong = base
    for i, t in enumerate(types):
        if t in ("L", "R"):
            strong = t
        elif t == "EN" and strong == "L":
            types[i] = "L"
    # N1-N2: neutrals between two of the same direction take it, others the paragraph's.
    resolved = ["R" if t in ("EN", "AN") and t != "L" else t for t in types]
    i = 0
    while i < len(types):
        if resolved[i] in ("L", "R"):
            i += 1
            continue
        j = i
        while j < len(types) and resolved[j] not in ("L", "R"):
            j += 1
        before = resolved[i - 1] if i else base
        after = resolved[j] if j < len(types) else base
        direction = before if before == after else base
        for k in range(i, j):
            types[k] = direction
        i = j
    # I1-I2: levels relative to the paragraph level.
    levels = []
    for t in types:
        if rtl:
            levels.append(1 if t == "R" else 2)
        else:
            levels.append({"L": 0, "R": 1}.get(t, 2))
    return levels, rtl


def _reorder(items: list[Any], levels: list[int]) -> list[Any]:
    """Rule L2: reverse every run at or above each odd level, from the highest down."""
    order = list(range(len(items)))
    if not levels:
        return []
    top = max(levels)
    low_odd = min((lv for lv in levels if lv % 2), default=top + 1)
    for level in range(top, low_odd - 1, -1):
        i = 0
        while i < len(order):
            if levels[order[i]] >= level:
                j = i
                while j < len(order) and levels[order[j]] >= level:
                    j += 1
                order[i:j] = reversed(order[i:j])
                i = j
            else:
                i += 1
    return [items[k] for k in order]


# --- shaping and lines ------------------------------------------------------------------


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


def _embedded_name(font_name: str) -> str:
    face = pdfmetrics.getFont(font_name).face
    return (face.name + face.subfontNameX).decode("latin-1")


@functools.lru_cache(maxsize=4096)
def _shape(text: str, font_name: str) -> str:
    """Shape one run with harfbuzz; returns glyphs in visual order as a ShapedStr."""
    with _lock:
        word = ttfonts.shapeFragWord(
            [0, (ABag(fontName=font_name, fontSize=10.0), text)], features=_HB_FEATURES
        )
        shaped = "".join(part[1] for part in word[1:])
        if len(word) != 2 or not isinstance(word[1][1], ShapedStr):
            return text if shaped == text else shaped
        result: ShapedStr = word[1][1]
        data = result.__shapeData__
        font = next(f for f in _chain(False) + _chain(True) if f.name == font_name)
        private = _PRIVATE_TEXT.setdefault(_embedded_name(font_name), {})
        clusters = sorted({d.cluster for d in data})
        ends = dict(zip(clusters, [*clusters[1:], len(text)], strict=True))
        # Characters of each cluster not already drawn by a glyph that maps back to them:
        # what a private-use glyph (ligature, reordered vowel sign) stands for.
        rest = {c: list(text[c : ends[c]]) for c in clusters}
        for char, d in zip(result, data, strict=True):
            if ord(char) in font.cmap and char in rest[d.cluster]:
                rest[d.cluster].remove(char)
        for char, d in zip(result, data, strict=True):
            code = ord(char)
            if code not in font.cmap and code not in private:
                private[code] = "".join(rest[d.cluster]) or "\u200b"
                rest[d.cluster] = []
        return result


def _mirror_reverse(text: str) -> str:
    return "".join(_MIRROR.get(c, c) for c in reversed(text))


@functools.lru_cache(maxsize=4096)
def layout_line(text: str, bold: bool = False) -> TextLine:
    """Lay out one line: fonts per character, right-to-left order, shaping."""
    text = text.translate(_BIDI_CONTROLS).replace("\t", "    ")
    chain = _chain(bold)
    if text.isascii() and chain[0].cmap.issuperset(map(ord, text)):
        # Most certificate text: one left-to-right run in the primary font, nothing to shape.
        # _layout_by_character gives the same result, a character at a time.
        em = pdfmetrics.stringWidth(text, chain[0].name, 1.0)
        return TextLine((Segment(chain[0].name, text, em, text),) if text else (), em, False)
    return _layout_by_character(text, chain)


def _layout_by_character(text: str, chain: tuple[_Font, ...]) -> TextLine:
    levels, rtl = _bidi_levels(text)
    runs: list[tuple[_Font, int, str]] = []
    current: _Font | None = None
    for char, level in zip(text, levels, strict=True):
        font = _pick(char, chain, current)
        if runs and runs[-1][0] is font and runs[-1][1] == level:
            runs[-1] = (font, level, runs[-1][2] + char)
        else:
            runs.append((font, level, char))
        current = font
    segments = []
    hb = shaping_available()
    for font, level, run in _reorder(runs, [r[1] for r in runs]):
        has_rtl_letters = any(unicodedata.bidirectional(c) in ("R", "AL") for c in run)
        if level % 2 and hb and has_rtl_letters:
            drawn = _shape(run, font.name)  # harfbuzz puts right-to-left glyphs in visual order
        elif level % 2:
            drawn = _mirror_reverse(run)
        elif hb and _needs_shaping(run):
            drawn = _shape(run, font.name)
        else:
            drawn = run
        if isinstance(drawn, ShapedStr):
            em = sum(d.x_advance for d in drawn.__shapeData__) / 1000
        else:
            em = pdfmetrics.stringWidth(drawn, font.name, 1.0)
        segments.append(Segment(font.name, drawn, em, run, bool(level % 2)))
    return TextLine(tuple(segments), sum(s.em_width for s in segments), rtl)


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width in points of ``text`` drawn on one line."""
    return layout_line(text, bold).width(size)


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
    if align == "auto":
        align = "right" if line.rtl else "left"
    if align == "right":
        x += width - drawn
    elif align == "center":
        x += (width - drawn) / 2
    left = x
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


_ASCII_TOKEN = re.compile(r"[^ ]* |[^ ]+")


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return (
        0x2E80 <= code <= 0x9FFF
        or 0xAC00 <= code <= 0xD7AF
        or 0xF900 <= code <= 0xFAFF
        or 0xFF00 <= code <= 0xFFEF
        or 0x20000 <= code <= 0x3FFFF
    )


def _tokens(paragraph: str) -> list[str]:
    """Break opportunities: after spaces, and around CJK characters (no spaces there)."""
    if paragraph.isascii():
        return _ASCII_TOKEN.findall(paragraph)  # no CJK: words with their trailing space
    tokens: list[str] = []
    word = ""
    for char in paragraph:
        # Punctuation stays with what it follows, so "。" or "," never starts a line.
        cjk_edge = _is_cjk(char) or (word and _is_cjk(word[-1]))
        if word and cjk_edge and unicodedata.category(char)[0] != "P":
            tokens.append(word)
            word = ""
        word += char
        if char == " ":
            tokens.append(word)
            word = ""
    if word:
        tokens.append(word)
    return tokens


def _split_long(token: str, size: float, max_width: float, bold: bool) -> list[str]:
    pieces: list[str] = []
    piece = ""
    for char in token:
        grows = unicodedata.category(char)[0] == "M"  # never split a mark from its letter
        if piece and not grows and text_width(piece + char, size, bold) > max_width:
            pieces.append(piece)
            piece = ""
        piece += char
    return [*pieces, piece] if piece else pieces


def wrap_text(text: str, size: float, max_width: float, bold: bool = False) -> list[str]:
    """Break ``text`` into lines (logical order) no wider than ``max_width`` points.

    Newlines in the text are kept; words longer than a line are broken between characters.
    """
    lines: list[str] = []
    for paragraph in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if text_width(paragraph, size, bold) <= max_width:
            # Fits on one line (the usual case): what the loop below would make, measured once.
            lines.append(paragraph.rstrip(" "))
            continue
        line = ""
        line_width = 0.0
        for token in _tokens(paragraph):
            token_width = text_width(token, size, bold)
            if line and line_width + text_width(token.rstrip(" "), size, bold) > max_width:
                lines.append(line.rstrip(" "))
                line, line_width = "", 0.0
            if not line and text_width(token.rstrip(" "), size, bold) > max_width:
                *full, token = _split_long(token, size, max_width, bold)
                lines.extend(full)
                token_width = text_width(token, size, bold)
            line += token
            line_width += token_width
        lines.append(line.rstrip(" "))
    return lines


# --- coverage report --------------------------------------------------------------------


def script_coverage(bold: bool = False) -> dict[str, str | None]:
    """Which shipped font draws each script (None: boxes would appear)."""
    chain = _chain(bold)
    coverage: dict[str, str | None] = {}
    for script, sample in _SCRIPT_SAMPLES.items():
        fonts = [_pick(c, chain, None) for c in sample]
        complete = all(ord(c) in f.cmap for c, f in zip(sample, fonts, strict=True))
        labels = sorted({f.label for f in fonts})
        coverage[script] = " + ".join(labels) if complete else None
    return coverage


def coverage_summary() -> str:
    """One line for the start-up log: scripts covered, shaping, handwriting font."""
    by_font: dict[str, list[str]] = {}
    missing = []
    for script, label in script_coverage().items():
        if label is None:
            missing.append(script)
        else:
            by_font.setdefault(label, []).append(script)
    parts = [f"{', '.join(scripts)} ({label})" for label, scripts in by_font.items()]
    shaping = (
        "Arabic/Indic shaping on (uharfbuzz)"
        if shaping_available()
        else "Arabic/Indic shaping OFF: install uharfbuzz to join Arabic letters"
    )
    text = f"PDF fonts: {'; '.join(parts)}. {shaping}. Typed signatures: Kaushan Script."
    return text + (f" NOT covered: {', '.join(missing)}." if missing else "")


# --- typed signatures -------------------------------------------------------------------


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
def _handwriting_chain() -> tuple[_Font, ...]:
    path = ASSETS_DIR / HANDWRITING_FILE
    if not path.is_file():
        raise FontsMissing(f"Font file {path} is missing; reinstall Signet")
    hand = _Font("handwriting", "Kaushan Script", path, _read_cmap(path))
    return (hand, *_chain(False))


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
    text = " ".join(text.translate(_BIDI_CONTROLS).split())
    image = Image.new("RGBA", (width_px, height_px), (0, 0, 0, 0))
    if not text:
        return _png(image)
    chain = _handwriting_chain()
    raqm = features.check_feature("raqm")
    levels, _ = _bidi_levels(text)
    runs: list[tuple[_Font, int, str]] = []
    current: _Font | None = None
    for char, level in zip(text, levels, strict=True):
        font = _pick(char, chain, current)
        if runs and runs[-1][0] is font and runs[-1][1] == level:
            runs[-1] = (font, level, runs[-1][2] + char)
        else:
            runs.append((font, level, char))
        current = font
    visual = _reorder(runs, [r[1] for r in runs])

    def measure(size: int) -> list[tuple[ImageFont.FreeTypeFont, str, str | None, float]]:
        pieces = []
        for font, level, run in visual:
            pil = _pil_font(font.path, size)
            # Raqm shapes and orders a right-to-left run itself; basic layout needs it reversed.
            direction = "rtl" if level % 2 and raqm else None
            drawn = run if direction or not level % 2 else _mirror_reverse(run)
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
