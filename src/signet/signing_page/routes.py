"""The signing page's routes: ``/signing/{recipient_id}`` and ``/s/{session_id}``
(docs/signing-page.md#routes), their actions, page images and download, and
``/signing-assets/`` for scripts, styles and fonts.

None of them is part of the API, so none appears in the OpenAPI document.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import FileResponse, HTMLResponse, Response

from signet.api.auth import client_ip
from signet.api.files import blob_response
from signet.api.state import AppState
from signet.db import transaction
from signet.errors import Forbidden, NotFound, SignetError
from signet.kit.content_disposition import content_disposition, download_name
from signet.models import Recipient, RecipientVerification, SigningRequest
from signet.pdf.render import RenderError
from signet.signing import rules
from signet.signing.recipient_actions import (
    CLOSED,
    DONE,
    SIGNABLE,
    actor_for,
    page_state,
    record_view,
)
from signet.signing.sessions import SessionExpired
from signet.signing.states import RequestState, effective_state
from signet.signing_page import page_images
from signet.signing_page.access import (
    RECIPIENT,
    SESSION,
    Link,
    expired_session_target,
    resolve,
    workspace_settings,
)
from signet.signing_page.actions import add_action_routes
from signet.signing_page.rendering import asset_version, find_asset, render_page
from signet.signing_page.security import clean_origins, frame_ancestors, issue_csrf_token
from signet.signing_page.verify_identity import (
    add_verify_routes,
    blocks_opening,
    pending,
    render_step,
    require_verified,
)
from signet.signing_page.views import download_allowed, notice_context, sign_context
from signet.storage.base import CHUNK

router = APIRouter(include_in_schema=False)

IMMUTABLE = "private, max-age=31536000, immutable"
_PAGE_NAME = re.compile(r"^(\d{1,5})-(\d{2,5})\." + page_images.EXTENSION + "$")


def _state(http: Request) -> AppState:
    state: AppState = http.app.state.signet
    return state


def _ancestors(request: SigningRequest, ws_settings: dict[str, object]) -> str:
    return frame_ancestors(
        clean_origins(ws_settings.get("embed_allowed_origins")), test=bool(request.test)
    )


def _not_found_page() -> HTMLResponse:
    context = notice_context(None, None, None, {}, "not_found")
    return render_page(
        "notice.html", context, ancestors=frame_ancestors([], test=False), status_code=404
    )


def _expired_page(state: AppState, link: Link) -> HTMLResponse:
    with state.db.read() as session:
        target = expired_session_target(session, link.token)
        if target is None:
            return _not_found_page()
        request, recipient = target
        ws_settings = workspace_settings(session, request)
        context = notice_context(link, request, recipient, ws_settings, "session_expired")
        return render_page(
            "notice.html", context, ancestors=_ancestors(request, ws_settings), status_code=410
        )


def _record_first_view(state: AppState, link: Link, ip: str | None, ua: str | None) -> None:
    with transaction(state.db.write) as session:
        request, recipient = resolve(session, link, for_update=True)
        record_view(session, state, request, recipient, actor_for(recipient, ip, ua))


def _page(
    state: AppState, link: Link, ip: str | None, ua: str | None, cookies: dict[str, str]
) -> HTMLResponse:
    try:
        with state.db.read() as session:
            request, recipient = resolve(session, link)
            # Behind an identity check the document is not seen yet (docs/identity.md).
            checks = pending(session, state.secret, request, recipient, cookies)
            if blocks_opening(checks):
                return render_step(session, state.secret, link, request, recipient, checks[0])
            needs_view = recipient.viewed_at is None and page_state(request, recipient) != CLOSED
        if needs_view:
            _record_first_view(state, link, ip, ua)
        with state.db.read() as session:
            request, recipient = resolve(session, link)
            return _render(state, session, link, request, recipient, checks)
    except SessionExpired:
        return _expired_page(state, link)
    except NotFound:
        return _not_found_page()


def presigning_download(request: SigningRequest, state_now: str) -> bool:
    """``allow_presigning_download``: the original PDF, before this recipient has finished."""
    return state_now not in (DONE, CLOSED) and rules.setting(
        request.settings or {}, "allow_presigning_download"
    )


def _render(
    state: AppState,
    session: Session,
    link: Link,
    request: SigningRequest,
    recipient: Recipient,
    checks: list[RecipientVerification],
) -> HTMLResponse:
    state_now = page_state(request, recipient)
    if checks and state_now == SIGNABLE:
        # A "before_sign" check: the document shows; signing waits for the check.
        return render_step(session, state.secret, link, request, recipient, checks[0])
    ws_settings = workspace_settings(session, request)
    ancestors = _ancestors(request, ws_settings)
    if state_now in (DONE, CLOSED):
        kind = DONE if state_now == DONE else effective_state(request)
        context = notice_context(link, request, recipient, ws_settings, kind)
        return render_page("notice.html", context, ancestors=ancestors)
    context = sign_context(
        session,
        link,
        request,
        recipient,
        ws_settings,
        state_now,
        issue_csrf_token(state.secret, recipient.id),
    )
    if presigning_download(request, state_now):
        context["presigning_download_url"] = f"{link.base_path}/download"
    return render_page("sign.html", context, ancestors=ancestors)


def _show(kind: str) -> Callable[[str, Request], Awaitable[HTMLResponse]]:
    async def show(token: str, http: Request) -> HTMLResponse:
        state = _state(http)
        link = Link(kind, token)
        ip, ua = client_ip(http), http.headers.get("user-agent")
        return await run_in_threadpool(_page, state, link, ip, ua, dict(http.cookies))

    return show


def _page_image(kind: str) -> Callable[[str, str, str, Request], Response]:
    def image(token: str, sha12: str, name: str, http: Request) -> Response:
        state = _state(http)
        match = _PAGE_NAME.match(name)
        if not match:
            raise NotFound("No such page image")
        number, width = int(match.group(1)), int(match.group(2))
        with state.db.read() as session:
            request, recipient = resolve(session, Link(kind, token))
            require_verified(session, state.secret, request, recipient, http.cookies, opening=True)
            sha = request.document_sha256
        if not sha or sha12 != sha[:12] or width not in page_images.WIDTHS:
            raise NotFound("No such page image")
        pdf_path = _pdf_path(state, sha)
        cache_dir = state.settings.data_dir / "cache" / "pages"
        try:
            path = page_images.page_image(cache_dir, pdf_path, sha, number, width)
        except RenderError:
            raise NotFound("No such page") from None
        return FileResponse(
            path,
            media_type=page_images.MEDIA_TYPE,
            headers={"Cache-Control": IMMUTABLE, "X-Content-Type-Options": "nosniff"},
        )

    return image


def _pdf_path(state: AppState, sha: str) -> str:
    """A local file of the stored PDF (copied once into the cache for non-local stores)."""
    local = state.store.local_path(sha)
    if local:
        return local
    path = state.settings.data_dir / "cache" / "pdf" / f"{sha}.pdf"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with state.store.open(sha) as src, tmp.open("wb") as dst:
            shutil.copyfileobj(src, dst, CHUNK)
        tmp.replace(path)
    return str(path)


def _download(kind: str) -> Callable[[str, Request], Response]:
    def download(token: str, http: Request) -> Response:
        state = _state(http)
        with state.db.read() as session:
            request, recipient = resolve(session, Link(kind, token))
            require_verified(session, state.secret, request, recipient, http.cookies, opening=True)
            now = page_state(request, recipient)
            finished = now == DONE or (
                now == CLOSED and effective_state(request) == RequestState.COMPLETED
            )
            before = not finished and presigning_download(request, now)
            if not ((finished and download_allowed(request)) or before):
                raise Forbidden("Downloading is not available for this document")
            final = None if before else request.final_sha256
            sha = final if final and state.store.exists(final) else request.document_sha256
            name = _file_name(request.name, signed=sha == final)
        if not sha:
            raise NotFound("The document is not available")
        headers = {
            "Content-Disposition": content_disposition("attachment", name),
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        }
        return blob_response(state.store, sha, name, "attachment", headers)

    return download


def _file_name(name: str, *, signed: bool) -> str:
    return download_name(name, suffix=" - signed.pdf" if signed else ".pdf")


@router.get("/signing-assets/{name}")
def static_asset(name: str, v: str | None = None) -> Response:
    """Scripts, styles and fonts of the signing page (no CDN)."""
    asset = find_asset(name)
    if asset is None:
        raise SignetError("Not found", code="NOT_FOUND", status_code=404)
    fresh = v is not None and v == asset_version(name)
    cache = "public, max-age=31536000, immutable" if fresh else "no-cache"
    return FileResponse(
        asset.path,
        media_type=asset.media_type,
        headers={"Cache-Control": cache, "X-Content-Type-Options": "nosniff"},
    )


for _prefix, _kind in (("/signing/{token}", RECIPIENT), ("/s/{token}", SESSION)):
    router.add_api_route(_prefix, _show(_kind), methods=["GET"], response_class=HTMLResponse)
    if _kind == SESSION:
        router.add_api_route(
            _prefix + "/", _show(_kind), methods=["GET"], response_class=HTMLResponse
        )
    router.add_api_route(_prefix + "/pages/{sha12}/{name}", _page_image(_kind), methods=["GET"])
    router.add_api_route(_prefix + "/download", _download(_kind), methods=["GET"])
    add_action_routes(router, _prefix, _kind)
    add_verify_routes(router, _prefix, _kind)
