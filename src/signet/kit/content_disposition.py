"""``Content-Disposition`` headers for downloads, with any file name (RFC 6266, RFC 5987).

HTTP header values are Latin-1, so a name in Chinese, Cyrillic or Arabic cannot go into
``filename="…"`` as it is (Starlette refuses to encode it, and the download fails). RFC 6266
gives the name twice: ``filename*=UTF-8''…``, percent-encoded UTF-8, which every current browser
and HTTP client reads, and ``filename="…"``, an ASCII stand-in for the few that do not. The
percent-encoding is the one Starlette's ``FileResponse(filename=…)`` uses
(``urllib.parse.quote``); Starlette writes only one of the two forms and only for its own
``FileResponse``, so this module writes both for every response.
"""

from __future__ import annotations

import unicodedata
from typing import Literal
from urllib.parse import quote

__all__ = ["content_disposition", "download_name"]

# Characters no common file system takes in a name, or that mean a path, plus the quote.
_NOT_IN_NAMES = frozenset('/\\:*?"<>|')
MAX_STEM = 100


def download_name(name: str, *, default: str = "document", suffix: str = ".pdf") -> str:
    """A file name for ``name`` (a document's title): at most 100 characters before ``suffix``.

    Letters of every script, emoji and punctuation are kept; control characters, path
    separators and the characters Windows refuses in names become ``_``. An empty result is
    ``default``.
    """
    safe = "".join(
        "_" if c in _NOT_IN_NAMES or unicodedata.category(c)[0] == "C" else c for c in name
    ).strip(" .")
    return (safe[:MAX_STEM].rstrip(" .") or default) + suffix


def content_disposition(kind: Literal["attachment", "inline"], filename: str) -> str:
    """The header value that names ``filename`` in any script.

    ``filename*`` carries the name as it is; ``filename`` an ASCII fallback with every other
    character (and ``"``, ``\\``, control characters) replaced by ``_``. An ASCII name that
    needs no replacement is given once, as ``filename="…"``.
    """
    fallback = "".join(
        c if " " <= c <= "~" and c not in '"\\' else "_" for c in _ascii_letters(filename)
    )
    if fallback == filename:
        return f'{kind}; filename="{filename}"'
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _ascii_letters(text: str) -> str:
    # "Ayşe" falls back to "Ayse" rather than "Ay_e": accents come off where they can.
    return "".join(_strip_accent(c) for c in text)


def _strip_accent(char: str) -> str:
    base = unicodedata.normalize("NFKD", char)[:1]
    return base if base.isascii() and base.isprintable() else char
