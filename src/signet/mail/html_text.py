"""Plain-text version of an HTML email, for custom templates that ship only an HTML body.

Built-in templates have hand-written text bodies; custom HTML is rendered to text by inscriptis,
which lays out what a browser would show (tables as aligned columns, lists, hidden content
left out). Links are shown as ``label (address)``, written into the HTML before rendering.
"""

from __future__ import annotations

import re

from inscriptis import Inscriptis
from inscriptis.css_profiles import CSS_PROFILES
from inscriptis.html_properties import Display
from inscriptis.model.config import ParserConfig
from inscriptis.model.html_document_state import HtmlDocumentState
from inscriptis.model.html_element import HtmlElement
from inscriptis.model.tag import CustomHtmlTagHandlerMapping
from lxml import etree
from lxml import html as lxml_html

__all__ = ["html_to_text"]


def _dash_list(state: HtmlDocumentState, _: dict[str, str]) -> None:
    # "- item" as in hand-written text mails, at every level, rather than "* ", "+ ", "o ".
    state.li_counter.append("- ")


# Lists start at the left margin, their items' text two columns in, after the dash.
_CSS = {
    **CSS_PROFILES["strict"],
    "ul": HtmlElement(display=Display.block, margin_before=0, margin_after=0, padding_inline=2),
}
_CONFIG = ParserConfig(
    css=_CSS,
    custom_html_tag_handler_mapping=CustomHtmlTagHandlerMapping(
        start_tag_mapping={"ul": _dash_list}, end_tag_mapping={}
    ),
)


def html_to_text(html: str) -> str:
    """Readable plain text for an HTML document; links become ``label (address)``."""
    if not html.strip():
        return "\n"
    try:
        tree = lxml_html.document_fromstring(html)
    except (etree.ParserError, ValueError):  # nothing that parses as a document
        return "\n"
    _show_link_addresses(tree)
    text = Inscriptis(tree, _CONFIG).get_text()
    lines = [line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n") + "\n"


def _show_link_addresses(tree: lxml_html.HtmlElement) -> None:
    # After the link's text, as the text part of a mail shows it; in-page and mailto links
    # and links whose text is their address are left as they are.
    for link in tree.iter("a"):
        href = (link.get("href") or "").strip()
        label = " ".join(link.text_content().split())
        if not href or href.startswith(("#", "mailto:")) or href == label:
            continue
        suffix = f" ({href})" if label else href
        if len(link):
            last = link[-1]
            last.tail = (last.tail or "") + suffix
        else:
            link.text = (link.text or "") + suffix
