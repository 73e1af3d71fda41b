"""Templates and static assets of the signing page.

Templates autoescape everything, so names and values holding HTML show as text. Static files are
served from this package (and the handwriting font straight from ``signet/pdf/assets``) under
``/signing-assets/``; their URLs carry a content hash, so browsers may cache them for a year.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse

from signet.pdf.fonts import ASSETS_DIR, HANDWRITING_FILE
from signet.signing_page.security import page_headers

PACKAGE_DIR = Path(__file__).parent
STATIC_DIR = PACKAGE_DIR / "static"
ASSET_PREFIX = "/signing-assets"
HANDWRITING_URL_NAME = "handwriting.otf"


@dataclass(frozen=True)
class Asset:
    path: Path
    media_type: str


_MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".otf": "font/otf",
    ".woff2": "font/woff2",
}


def find_asset(name: str) -> Asset | None:
    """A servable static file by its public name (no paths, no hidden files)."""
    if name == HANDWRITING_URL_NAME:
        return Asset(ASSETS_DIR / HANDWRITING_FILE, "font/otf")
    if "/" in name or "\\" in name or name.startswith("."):
        return None
    path = STATIC_DIR / name
    media_type = _MEDIA_TYPES.get(path.suffix)
    if media_type is None or not path.is_file():
        return None
    return Asset(path, media_type)


@functools.cache
def asset_version(name: str) -> str:
    asset = find_asset(name)
    if asset is None:
        return "0"
    return hashlib.sha256(asset.path.read_bytes()).hexdigest()[:12]


def asset_url(name: str) -> str:
    return f"{ASSET_PREFIX}/{name}?v={asset_version(name)}"


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(PACKAGE_DIR / "templates"),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["asset_url"] = asset_url
    env.globals["handwriting_font_url"] = asset_url(HANDWRITING_URL_NAME)
    return env


def render_page(
    template: str, context: dict[str, Any], *, ancestors: str, status_code: int = 200
) -> HTMLResponse:
    """An HTML response with the page's security headers."""
    html = environment().get_template(template).render(**context)
    return HTMLResponse(html, status_code=status_code, headers=page_headers(ancestors))
