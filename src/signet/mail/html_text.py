"""Plain-text version of an HTML email, for custom templates that ship only an HTML body.

Built-in templates have hand-written text bodies; this converter only has to be good enough for
customer HTML: paragraphs, line breaks, lists, and links shown with their address.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

__all__ = ["html_to_text"]

_BLOCK_TAGS = frozenset(
    {"p", "div", "table", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "blockquote", "hr"}
)
_SKIPPED_TAGS = frozenset({"head", "style", "script", "title"})
_VOID_TAGS = frozenset({"br", "img", "meta", "hr", "input", "link", "col", "area", "base", "wbr"})
_HIDDEN_STYLE_RE = re.compile(r"display\s*:\s*none", re.IGNORECASE)


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        # Open elements whose content is not shown: <head>, <style>, hidden preheaders.
        self._skip_stack: list[str] = []
        self._link_stack: list[tuple[str | None, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skip_stack:
            if tag not in _VOID_TAGS:
                self._skip_stack.append(tag)
            return
        style = dict(attrs).get("style") or ""
        if tag in _SKIPPED_TAGS or _HIDDEN_STYLE_RE.search(style):
            if tag not in _VOID_TAGS:
                self._skip_stack.append(tag)
            return
        if tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")
        elif tag in ("td", "th"):
            self.parts.append(" ")
        elif tag == "a":
            self._link_stack.append((dict(attrs).get("href"), len(self.parts)))

    def handle_endtag(self, tag: str) -> None:
        if self._skip_stack:
            # Pop to the matching tag, tolerating unclosed children inside hidden content.
            if tag in self._skip_stack:
                while self._skip_stack.pop() != tag:
                    pass
            return
        if tag in _BLOCK_TAGS:
            self.parts.append("\n\n")
        elif tag == "a" and self._link_stack:
            href, start = self._link_stack.pop()
            label = " ".join("".join(self.parts[start:]).split())
            if href and not href.startswith(("#", "mailto:")) and href != label:
                self.parts.append(f" ({href})" if label else href)

    def handle_data(self, data: str) -> None:
        if not self._skip_stack:
            # HTML whitespace is not significant: collapse it like a browser would.
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """Readable plain text for an HTML document; links become ``label (address)``."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    lines = [line.strip() for line in "".join(parser.parts).splitlines()]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
