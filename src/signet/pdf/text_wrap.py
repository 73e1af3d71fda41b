"""Breaking text into lines no wider than a box: after spaces, around CJK characters (which
have no spaces), and inside words longer than a line."""

from __future__ import annotations

import re
import unicodedata

from signet.pdf.text_lines import text_width

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
