"""The page's identity step (docs/identity.md#the-page): before the document opens (or before
signing, for PandaDoc's ``before_sign``) the recipient types an access code, or a code sent by
email or SMS.

The step is two plain HTML forms (no script), posted to ``…/verify/send`` and ``…/verify``. A
passed check is remembered in this browser by a cookie holding an HMAC of the recipient id, the
methods passed and the time, valid for ``PROOF_TTL``, scoped to the link's path. Framed pages are
third-party, so over https (and on loopback) the cookie is ``SameSite=None; Secure;
Partitioned``: browsers keep it per embedding site (docs/compat/framing.md#cookies).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from signet.api.auth import client_ip
from signet.api.state import AppState
from signet.db import transaction
from signet.errors import Forbidden
from signet.models import Recipient, RecipientVerification, SigningRequest
from signet.signing import identity
from signet.signing.recipient_actions import CLOSED, DONE, actor_for, page_state
from signet.signing_page.access import RECIPIENT, SESSION, Link, resolve, workspace_settings
from signet.signing_page.rendering import render_page
from signet.signing_page.security import (
    clean_origins,
    csrf_token_valid,
    frame_ancestors,
    issue_csrf_token,
)

COOKIE = "signet_verified"
PROOF_TTL_SECONDS = 8 * 3600
_PROOF_CONTEXT = b"signet.signing_page.identity.v1"
_LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
_PROMPTS = {
    identity.PASSCODE: "Enter the access code the sender gave you",
    identity.EMAIL_OTP: "We email you a 6-digit code to confirm it is you",
    identity.SMS: "We text you a 6-digit code to confirm it is you",
}


def _mac(secret: bytes, recipient_id: str, methods: str, issued: int) -> str:
    key = hmac.new(secret, _PROOF_CONTEXT, hashlib.sha256).digest()
    return hmac.new(key, f"{recipient_id}|{methods}|{issued}".encode(), hashlib.sha256).hexdigest()


def issue_proof(
    secret: bytes, recipient_id: str, methods: set[str], now: float | None = None
) -> str:
    issued = int(now if now is not None else time.time())
    joined = "+".join(sorted(methods))
    return f"{joined}.{issued}.{_mac(secret, recipient_id, joined, issued)}"


def proven(
    secret: bytes, recipient_id: str, value: str | None, now: float | None = None
) -> set[str]:
    """The methods this browser's cookie proves for the recipient (empty when absent, forged,
    another recipient's, or older than ``PROOF_TTL_SECONDS``)."""
    parts = (value or "").split(".")
    if len(parts) != 3 or not parts[1].isdigit():
        return set()
    joined, issued_text, mac = parts
    issued, current = int(issued_text), now if now is not None else time.time()
    if issued > current + 60 or current - issued > PROOF_TTL_SECONDS:
        return set()
    if not hmac.compare_digest(mac, _mac(secret, recipient_id, joined, issued)):
        return set()
    return set(joined.split("+")) & set(identity.METHODS)


def pending(
    session: Session,
    secret: bytes,
    request: SigningRequest,
    recipient: Recipient,
    cookies: Mapping[str, str],
    *,
    create: bool = False,
) -> list[RecipientVerification]:
    """The checks this browser has not passed yet, in the order they are asked."""
    if page_state(request, recipient) in (DONE, CLOSED):
        return []
    done = proven(secret, recipient.id, cookies.get(COOKIE))
    rows = identity.checks(session, request, recipient, create=create)
    return [r for r in rows if r.method not in done]


def blocks_opening(rows: list[RecipientVerification]) -> bool:
    return any(r.place == identity.BEFORE_OPEN for r in rows)


def require_verified(
    session: Session,
    secret: bytes,
    request: SigningRequest,
    recipient: Recipient,
    cookies: Mapping[str, str],
    *,
    opening: bool = False,
) -> None:
    """403 unless this browser passed the checks: all of them to act; ``before_open`` ones to
    see the pages or download (``opening``)."""
    rows = pending(session, secret, request, recipient, cookies)
    if rows and (not opening or blocks_opening(rows)):
        raise Forbidden(
            "Confirm your identity on the signing page first", code="VERIFICATION_REQUIRED"
        )


def _ancestors(request: SigningRequest, ws_settings: dict[str, Any]) -> str:
    return frame_ancestors(
        clean_origins(ws_settings.get("embed_allowed_origins")), test=bool(request.test)
    )


def render_step(
    session: Session,
    secret: bytes,
    link: Link,
    request: SigningRequest,
    recipient: Recipient,
    row: RecipientVerification,
    *,
    notice: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The identity step's page for the first check still to pass."""
    locked = row.locked_at is not None
    context = {
        "request": request,
        "recipient": recipient,
        "method": row.method,
        "prompt": _PROMPTS[row.method],
        "can_send": row.method in (identity.EMAIL_OTP, identity.SMS) and not locked,
        "code_sent": row.code_expires_at is not None,
        "locked": locked,
        "notice": notice,
        "error": error,
        "action": f"{link.base_path}/verify",
        "csrf": issue_csrf_token(secret, recipient.id),
    }
    ws_settings = workspace_settings(session, request)
    return render_page(
        "verify.html",
        context,
        ancestors=_ancestors(request, ws_settings),
        status_code=status_code,
    )


_CSRF_EXPIRED = "This page had been open too long. Please try again."


def step_page(
    state: AppState, link: Link, cookies: Mapping[str, str], error: str, status_code: int
) -> Response:
    """The identity step again, with ``error``; the document's page once nothing is pending."""
    with state.db.read() as session:
        request, recipient = resolve(session, link)
        rows = pending(session, state.secret, request, recipient, cookies)
        if not rows:
            return RedirectResponse(link.base_path, status_code=303)
        return render_step(
            session, state.secret, link, request, recipient, rows[0], error=error,
            status_code=status_code,
        )  # fmt: skip


async def too_many_attempts_page(http: Request, retry_after: int) -> Response | None:
    """The 429 of a code form (``…/verify``, ``…/verify/send``) as the step's page, since a
    browser posted it; None when the link does not lead to one (the JSON error then)."""
    match = _FORM_PATH.match(http.url.path)
    if match is None or http.method != "POST":
        return None
    link = Link(RECIPIENT if match["prefix"] == "signing" else SESSION, match["token"])
    wait = f"{retry_after} seconds" if retry_after != 1 else "a second"
    error = f"Too many attempts from your network. Please wait {wait} and try again."
    try:
        page = await run_in_threadpool(
            step_page, http.app.state.signet, link, http.cookies, error, 429
        )
    except Exception:  # noqa: BLE001 - a dead link or an outage: the JSON 429 then
        return None
    return page if page.status_code == 429 else None


_FORM_PATH = re.compile(r"^/(?P<prefix>signing|s)/(?P<token>[^/]+)/verify(/send)?$")


def _secure_cookie(http: Request, state: AppState) -> bool:
    if urlparse(state.settings.public_base_url).scheme == "https" or http.url.scheme == "https":
        return True
    return (http.url.hostname or "") in _LOOPBACK


def _set_proof(response: Response, http: Request, state: AppState, link: Link, value: str) -> None:
    parts = [
        f"{COOKIE}={value}",
        f"Path={link.base_path}",
        f"Max-Age={PROOF_TTL_SECONDS}",
        "HttpOnly",
    ]
    parts += (
        ["Secure", "SameSite=None", "Partitioned"]
        if _secure_cookie(http, state)
        else ["SameSite=Lax"]
    )
    response.headers.append("Set-Cookie", "; ".join(parts))


def add_verify_routes(router: APIRouter, prefix: str, kind: str) -> None:
    """``POST {prefix}/verify/send`` (send a code) and ``POST {prefix}/verify`` (check one)."""

    async def _form(http: Request) -> dict[str, str]:
        form = await http.form()
        return {k: v for k, v in form.items() if isinstance(v, str)}

    def _step(http: Request, link: Link, form: dict[str, str], sending: bool) -> Response:
        state: AppState = http.app.state.signet
        ip, ua = client_ip(http), http.headers.get("user-agent")
        cookies = http.cookies
        with state.db.read() as session:
            _request, recipient = resolve(session, link)
            csrf_ok = csrf_token_valid(state.secret, recipient.id, form.get("csrf"))
        if not csrf_ok:
            # A plain form post: answer with the step again (a fresh token), not a JSON error.
            return step_page(state, link, cookies, _CSRF_EXPIRED, 403)
        outcome: tuple[str, str | None, int] | None = None
        with transaction(state.db.write) as session:
            request, recipient = resolve(session, link, for_update=True)
            rows = pending(session, state.secret, request, recipient, cookies, create=True)
            row = next((r for r in rows if r.method == form.get("method")), None)
            if row is None or row is not rows[0]:
                return RedirectResponse(link.base_path, status_code=303)
            method = row.method
            actor = actor_for(recipient, ip, ua)
            try:
                if sending:
                    to = identity.send_code(session, state, request, recipient, row, actor)
                    outcome = ("notice", f"We sent a code to {to}. It works for 10 minutes.", 200)
                else:
                    identity.check_code(
                        session, state, request, recipient, row, form.get("code", ""), actor
                    )
            except identity.VerificationError as exc:
                outcome = ("error", exc.message, exc.status_code)
        with state.db.read() as session:
            request, recipient = resolve(session, link)
            if outcome is None:
                done = proven(state.secret, recipient.id, cookies.get(COOKIE)) | {method}
                response: Response = RedirectResponse(link.base_path, status_code=303)
                _set_proof(
                    response, http, state, link, issue_proof(state.secret, recipient.id, done)
                )
                return response
            fresh = next(
                r for r in identity.checks(session, request, recipient) if r.method == method
            )
            kind_, text, status = outcome
            return render_step(
                session,
                state.secret,
                link,
                request,
                recipient,
                fresh,
                notice=text if kind_ == "notice" else None,
                error=text if kind_ == "error" else None,
                status_code=status,
            )

    async def send(token: str, http: Request) -> Response:
        form = await _form(http)
        return await run_in_threadpool(_step, http, Link(kind, token), form, True)

    async def check(token: str, http: Request) -> Response:
        form = await _form(http)
        return await run_in_threadpool(_step, http, Link(kind, token), form, False)

    router.add_api_route(prefix + "/verify/send", send, methods=["POST"], include_in_schema=False)
    router.add_api_route(prefix + "/verify", check, methods=["POST"], include_in_schema=False)
