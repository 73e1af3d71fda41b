"""Fonts for text a signer may type in any script: the public face of the modules named below,
plus per-character font runs and the start-up coverage report.

Drawing goes through :func:`layout_line` / :func:`draw_text_line` / :func:`wrap_text`, so the
stamp and the certificate render a Chinese or Arabic name exactly the same way. The work is done
in ``font_files`` (shipped fonts, fallback chain, ToUnicode maps), ``text_bidi`` (right-to-left
order), ``text_lines`` (shaping, drawing one line), ``text_wrap`` and ``typed_signature``.
"""

from __future__ import annotations

from signet.pdf.font_files import (
    ASSETS_DIR,
    BOLD,
    HANDWRITING_FILE,
    REGULAR,
    FontsMissing,
    LoadedFont,
    binary_streams,
    ensure_fonts_registered,
    font_chain,
    pick_font,
)
from signet.pdf.text_lines import (
    Align,
    Segment,
    TextLine,
    draw_text_line,
    layout_line,
    shaping_available,
    text_width,
)
from signet.pdf.text_wrap import wrap_text
from signet.pdf.typed_signature import render_typed_signature

__all__ = [
    "ASSETS_DIR",
    "BOLD",
    "HANDWRITING_FILE",
    "REGULAR",
    "Align",
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


# --- per-character font runs (the choice of face is font_files._pick) --------------------


def font_runs(text: str, bold: bool = False) -> list[tuple[str, str]]:
    """Split ``text`` (logical order) into (reportlab font name, text) runs, one font each."""
    chain = font_chain(bold)
    runs: list[tuple[str, str]] = []
    current: LoadedFont | None = None
    for char in text:
        font = pick_font(char, chain, current)
        if runs and font is current:
            runs[-1] = (font.name, runs[-1][1] + char)
        else:
            runs.append((font.name, char))
        current = font
    return runs


# --- coverage report --------------------------------------------------------------------


def script_coverage(bold: bool = False) -> dict[str, str | None]:
    """Which shipped font draws each script (None: boxes would appear)."""
    chain = font_chain(bold)
    coverage: dict[str, str | None] = {}
    for script, sample in _SCRIPT_SAMPLES.items():
        fonts = [pick_font(c, chain, None) for c in sample]
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
