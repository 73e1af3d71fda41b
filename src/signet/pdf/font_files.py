"""The font files shipped in ``assets/`` (see ``assets/FONTS.txt``): their registration with
reportlab, the fallback chain that picks a face per character, and the ToUnicode maps."""

from __future__ import annotations

import functools
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from signet.pdf.reportlab_internals import binary_streams, font_code_points, install_to_unicode_cmap
from signet.pdf.text_bidi import BIDI_CONTROLS, bidi_levels

__all__ = ["BOLD", "REGULAR", "FontsMissing", "binary_streams", "ensure_fonts_registered"]

ASSETS_DIR = Path(__file__).with_name("assets")
# Primary reportlab font names; a caller sets these as the "current" font of a style.
REGULAR = "SignetSans"
BOLD = "SignetSans-Bold"
HANDWRITING_FILE = "KaushanScript-Regular.otf"


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


@dataclass(frozen=True)
class LoadedFont:
    name: str
    label: str
    path: Path
    cmap: frozenset[int]  # code points the font really has (before shaping adds private ones)


FONT_LOCK = threading.RLock()
# Private-use codes reportlab gives to shaped glyphs that no character maps to (ligatures,
# contextual forms), per embedded font name: code -> the text the glyph stands for.
PRIVATE_TEXT: dict[str, dict[int, str]] = {}


def _to_unicode_cmap(fontname: str, subset: Sequence[int]) -> str:
    """reportlab's ToUnicode CMap, made right for shaped and non-BMP text.

    reportlab maps each code to itself. That loses ligatures and joined forms (they get
    private-use codes), and writes code points above U+FFFF as invalid 5-digit hex.
    """
    private = PRIVATE_TEXT.get(fontname.split("+", 1)[-1], {})
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


def _load(face: _Face) -> LoadedFont:
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
    return LoadedFont(face.name, face.label, path, font_code_points(font))


@functools.cache
def font_chain(bold: bool) -> tuple[LoadedFont, ...]:
    with FONT_LOCK:
        # Installed once: every TrueType font reportlab embeds in this process gets the
        # corrected map; for text that was never shaped the output is the same as before.
        install_to_unicode_cmap(_to_unicode_cmap)
        return tuple(_load(face) for face in (_BOLD_FACES if bold else _REGULAR_FACES))


def ensure_fonts_registered() -> None:
    """Register every shipped font with reportlab; raises FontsMissing with the file's path."""
    font_chain(False)
    font_chain(True)


# --- per-character fallback -------------------------------------------------------------


def _is_letter(char: str) -> bool:
    return unicodedata.category(char)[0] == "L"


def pick_font(char: str, chain: Sequence[LoadedFont], current: LoadedFont | None) -> LoadedFont:
    code = ord(char)
    # Spaces, digits, punctuation and marks stay in the font of the run they sit in, so a
    # name like "محمد، ٣" is one run and a mark is shaped with its base letter.
    if current is not None and code in current.cmap and not _is_letter(char):
        return current
    for font in chain:
        if code in font.cmap:
            return font
    return current or chain[0]  # no font has it: the primary font's box, still extractable


def level_runs(
    text: str, chain: Sequence[LoadedFont]
) -> tuple[list[tuple[LoadedFont, int, str]], bool]:
    """``text`` cut into runs of one font and one bidi embedding level, in logical order, and
    whether its paragraph direction is right-to-left. Bidi controls are honoured and left out."""
    levels, paragraph_level = bidi_levels(text)
    runs: list[tuple[LoadedFont, int, str]] = []
    current: LoadedFont | None = None
    for char, level in zip(text, levels, strict=True):
        if level is None or ord(char) in BIDI_CONTROLS:
            continue  # a bidi control: it set the levels, and is not drawn
        font = pick_font(char, chain, current)
        if runs and runs[-1][0] is font and runs[-1][1] == level:
            runs[-1] = (font, level, runs[-1][2] + char)
        else:
            runs.append((font, level, char))
        current = font
    return runs, paragraph_level == 1
