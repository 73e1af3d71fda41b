"""``GET /verify`` (the form), ``POST /verify`` (a file or a SHA-256, answered as a page), and
``/verify-assets/`` for its stylesheet and script. None of them is part of the API, so none
appears in the OpenAPI document; ``POST /signet/v1/verify`` gives the same answer as JSON.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.responses import FileResponse, HTMLResponse, Response

from signet.api.memory_form import read_memory_form, size_words
from signet.api.state import AppState
from signet.errors import NotFound, SignetError
from signet.signing.verification import (
    installation_certificates,
    installation_signing_cas,
    lookup,
    parse_sha256,
    verify_file,
)
from signet.verify_page.security import PAGE_HEADERS
from signet.verify_page.views import Answer, file_answer, hash_answer

router = APIRouter(include_in_schema=False)

PACKAGE_DIR = Path(__file__).parent
STATIC_DIR = PACKAGE_DIR / "static"
ASSET_PREFIX = "/verify-assets"
_MEDIA_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}


def _asset_path(name: str) -> Path | None:
    if "/" in name or "\\" in name or name.startswith("."):
        return None
    path = STATIC_DIR / name
    return path if path.suffix in _MEDIA_TYPES and path.is_file() else None


@functools.cache
def _asset_version(name: str) -> str:
    path = _asset_path(name)
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12] if path else "0"


@functools.cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(PACKAGE_DIR / "templates"),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["asset_url"] = lambda name: f"{ASSET_PREFIX}/{name}?v={_asset_version(name)}"
    return env


def _page(state: AppState, status_code: int = 200, **context: Any) -> HTMLResponse:
    settings = state.settings
    html = (
        _environment()
        .get_template("verify.html")
        .render(
            installation=settings.installation_name,
            max_bytes=settings.max_upload_bytes,
            max_size=size_words(settings.max_upload_bytes),
            **context,
        )
    )
    return HTMLResponse(html, status_code=status_code, headers=PAGE_HEADERS)


def _state(http: Request) -> AppState:
    state: AppState = http.app.state.signet
    return state


@router.get("/verify", response_class=HTMLResponse)
async def verify_form(http: Request) -> HTMLResponse:
    return _page(_state(http))


@router.post("/verify", response_class=HTMLResponse)
async def verify_submit(http: Request) -> HTMLResponse:
    state = _state(http)
    installation = state.settings.installation_name
    if not http.headers.get("content-type", "").startswith("multipart/form-data"):
        return _page(state, 400, error="Choose a PDF file, or paste a SHA-256, and try again.")
    try:
        form = await read_memory_form(http, file_limit=state.settings.max_upload_bytes)
    except SignetError as exc:
        return _page(state, exc.status_code, error=f"{exc.message}. Please try again.")
    data = form.file_data if form.file_field == "file" else None
    pasted = form.fields.get("sha256", "").strip()
    if data:

        def check_file() -> Answer:
            certs = installation_certificates(state.settings)
            cas = installation_signing_cas(state.settings)
            with state.db.read() as session:
                found = verify_file(
                    session, data, workspace_id=None, seal_certificates=certs, signing_cas=cas
                )
            return file_answer(found, installation)

        answer = await run_in_threadpool(check_file)
        return _page(state, answer=answer, file_name=form.file_name or "")
    if pasted:
        sha = parse_sha256(pasted)
        if sha is None:
            return _page(
                state,
                400,
                error="A SHA-256 is 64 characters, each 0-9 or a-f.",
                pasted=pasted[:200],
            )

        def check_hash() -> Answer:
            with state.db.read() as session:
                return hash_answer(lookup(session, sha, None), installation)

        return _page(state, answer=await run_in_threadpool(check_hash), pasted=sha)
    return _page(state, 400, error="Choose a PDF file, or paste a SHA-256, and try again.")


def too_many_checks_page(http: Request, retry_after: int) -> Response | None:
    """The 429 of ``POST /verify`` as the page, since a browser posted the form."""
    if http.method != "POST" or http.url.path != "/verify":
        return None
    wait = f"{retry_after} seconds" if retry_after != 1 else "a second"
    error = f"Too many checks from your network. Please wait {wait} and try again."
    return _page(_state(http), 429, error=error)


@router.get("/verify-assets/{name}")
def verify_asset(name: str, v: str | None = None) -> Response:
    """The page's stylesheet and script (no CDN)."""
    path = _asset_path(name)
    if path is None:
        raise NotFound("Not found")
    fresh = v is not None and v == _asset_version(name)
    return FileResponse(
        path,
        media_type=_MEDIA_TYPES[path.suffix],
        headers={
            "Cache-Control": "public, max-age=31536000, immutable" if fresh else "no-cache",
            "X-Content-Type-Options": "nosniff",
        },
    )
