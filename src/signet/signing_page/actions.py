"""The page's POST endpoints: accept the consent, upload a file, render a typed mark, finish,
decline. Each one checks the page's CSRF token, then calls the signing domain in one
transaction with the request row locked. Errors answer JSON in the Firma error format."""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote

import orjson
from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from signet.api.auth import client_ip
from signet.api.body import off_loop, read_body, refuse_huge_structure
from signet.api.input_model import refuse_bad_values
from signet.api.state import AppState
from signet.db import transaction
from signet.errors import PayloadTooLarge, ValidationFailed
from signet.kit.timefmt import pandadoc_time
from signet.models import Recipient, SigningRequest
from signet.pdf.fonts import render_typed_signature
from signet.signing import recipient_actions as actions
from signet.signing import rules
from signet.signing.recipient_actions import Submission
from signet.signing.specs import Actor
from signet.signing_page import uploads
from signet.signing_page.access import Link, resolve, workspace_settings
from signet.signing_page.security import require_csrf
from signet.signing_page.verify_identity import require_verified
from signet.signing_page.views import completion_texts, consent_text, download_allowed
from signet.webhooks.payloads import FIRMA, PANDADOC, status_of

MAX_SIGNATURE_TEXT, MAX_INITIALS_TEXT = 255, 64
_MARK_SIZES = {"signature": (900, 240), "initials": (360, 240)}
# A finish carries at most a drawn signature and initials (2 MB PNGs, base64) and the values.
MAX_PAGE_JSON_BYTES = 8 * 1024 * 1024


def _state(http: Request) -> AppState:
    state: AppState = http.app.state.signet
    return state


async def _json_body(http: Request) -> dict[str, Any]:
    raw = await read_body(http, MAX_PAGE_JSON_BYTES)
    # Before the link is resolved, so bounded and off the event loop like the API's bodies.
    return await off_loop(len(raw), _parse_json_object, raw)


def _parse_json_object(raw: bytes) -> dict[str, Any]:
    refuse_huge_structure(raw)
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ValidationFailed([("body", "must be a JSON object")]) from None
    if not isinstance(body, dict):
        raise ValidationFailed([("body", "must be a JSON object")])
    refuse_bad_values(body)
    return body


def _authorise(
    state: AppState, link: Link, headers: Mapping[str, str], cookies: Mapping[str, str]
) -> None:
    """The link must be live (404/410), the page token valid and the identity checks passed
    (403), before any write."""
    with state.db.read() as session:
        request, recipient = resolve(session, link)
        require_csrf(state.secret, recipient.id, headers)
        require_verified(session, state.secret, request, recipient, cookies)


Work = Callable[[Any, SigningRequest, Recipient, Actor], dict[str, Any]]


def _run(
    http: Request, link: Link, work: Work, *, write: bool = True
) -> Callable[[], dict[str, Any]]:
    """``work`` in a transaction with the request row locked (or a plain read), once the link
    and the CSRF token have been checked."""
    state = _state(http)
    headers, cookies = http.headers, http.cookies
    ip, ua = client_ip(http), http.headers.get("user-agent")

    def run() -> dict[str, Any]:
        _authorise(state, link, headers, cookies)
        if not write:
            with state.db.read() as session:
                request, recipient = resolve(session, link)
                return work(session, request, recipient, actions.actor_for(recipient, ip, ua))
        with transaction(state.db.write) as session:
            request, recipient = resolve(session, link, for_update=True)
            return work(session, request, recipient, actions.actor_for(recipient, ip, ua))

    return run


NOTHING_TO_SIGN = "There is nothing for you to sign on this document now"


def _text(body: dict[str, Any], key: str, limit: int) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise ValidationFailed([(key, f"must be text of at most {limit} characters")])
    return value.strip() or None


def _submission(
    state: AppState, body: dict[str, Any], request: SigningRequest, recipient: Recipient
) -> Submission:
    raw = body.get("values") or {}
    if not isinstance(raw, dict):
        raise ValidationFailed([("values", "must be an object of field id → value")])
    values: dict[str, Any] = {}
    for f in actions.my_fields(request, recipient):
        if f.id not in raw:
            continue
        value = raw[f.id]
        if f.type == "file" and value not in (None, ""):
            value = uploads.value_from_token(state.secret, recipient.id, f.id, str(value))
        values[f.id] = value
    kind = body.get("signature_kind")
    signature_text = _text(body, "signature_text", MAX_SIGNATURE_TEXT)
    if body.get("signature") and kind == "typed" and not signature_text:
        raise ValidationFailed([("signature_text", "type your name to adopt a typed signature")])
    return Submission(
        values=values,
        signature=body.get("signature") or None,
        signature_kind=kind if body.get("signature") else None,
        signature_text=signature_text,
        initials=body.get("initials") or None,
        initials_text=_text(body, "initials_text", MAX_INITIALS_TEXT),
    )


def add_action_routes(router: APIRouter, prefix: str, kind: str) -> None:
    """Register the POST endpoints under ``prefix`` (``/signing/{token}`` or ``/s/{token}``)."""

    async def consent(token: str, http: Request) -> JSONResponse:
        link = Link(kind, token)

        def work(
            session: Session, request: SigningRequest, recipient: Recipient, actor: Actor
        ) -> dict[str, Any]:
            actions.require_signable(request, recipient, refusal=NOTHING_TO_SIGN)
            text = consent_text(workspace_settings(session, request))
            actions.accept_consent(session, request, recipient, actor, text)
            return {"accepted_at": pandadoc_time(recipient.consent_at)}

        return JSONResponse(await run_in_threadpool(_run(http, link, work)))

    async def finish(token: str, http: Request) -> JSONResponse:
        link = Link(kind, token)
        body = await _json_body(http)
        state = _state(http)

        def work(
            session: Session, request: SigningRequest, recipient: Recipient, actor: Actor
        ) -> dict[str, Any]:
            actions.require_signable(request, recipient, refusal=NOTHING_TO_SIGN)
            if recipient.consent_at is None:
                if body.get("consent") is not True:
                    raise ValidationFailed(
                        [("consent", "check the box to agree to sign electronically")]
                    )
                text = consent_text(workspace_settings(session, request))
                actions.accept_consent(session, request, recipient, actor, text)
            sub = _submission(state, body, request, recipient)
            completed = actions.finish(session, state, request, recipient, actor, sub)
            title, message = completion_texts(request)
            settings = request.settings or {}
            delay = settings.get("completion_redirect_delay")
            return {
                "request_completed": completed,
                "finished_at": pandadoc_time(recipient.finished_at),
                "request_status": status_of(FIRMA, request),
                "pandadoc_status": status_of(PANDADOC, request),
                "redirect_url": settings.get("completion_redirect_url") or None,
                "redirect_delay": delay if isinstance(delay, int) else 5,
                "completion_title": title,
                "completion_message": message,
                "download_url": f"{link.base_path}/download" if download_allowed(request) else None,
            }

        return JSONResponse(await run_in_threadpool(_run(http, link, work)))

    async def decline(token: str, http: Request) -> JSONResponse:
        link = Link(kind, token)
        body = await _json_body(http)
        reason = body.get("reason")

        def work(
            session: Session, request: SigningRequest, recipient: Recipient, actor: Actor
        ) -> dict[str, Any]:
            actions.decline(
                session,
                _state(http),
                request,
                recipient,
                actor,
                reason if isinstance(reason, str) else "",
            )
            return {
                "declined_at": pandadoc_time(recipient.declined_at),
                "reason": recipient.decline_reason,
                "request_status": status_of(FIRMA, request),
                "pandadoc_status": status_of(PANDADOC, request),
            }

        return JSONResponse(await run_in_threadpool(_run(http, link, work)))

    async def upload(token: str, field_id: str, http: Request) -> JSONResponse:
        link = Link(kind, token)
        declared = http.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > uploads.MAX_FILE_BYTES:
            raise PayloadTooLarge("The file is larger than 10 MB")
        chunks, size = [], 0
        async for chunk in http.stream():
            size += len(chunk)
            if size > uploads.MAX_FILE_BYTES:
                raise PayloadTooLarge("The file is larger than 10 MB")
            chunks.append(chunk)
        data = b"".join(chunks)
        name = uploads.safe_file_name(unquote(http.headers.get("x-file-name", "")))
        state = _state(http)

        def work(
            session: Session, request: SigningRequest, recipient: Recipient, actor: Actor
        ) -> dict[str, Any]:
            actions.require_signable(request, recipient, refusal=NOTHING_TO_SIGN)
            target = next(
                (
                    f
                    for f in actions.my_fields(request, recipient)
                    if f.id == field_id and f.type == "file"
                ),
                None,
            )
            if target is None:
                raise ValidationFailed([("field_id", "is not a file field of yours")])
            media_type = uploads.check_file(data, target.format_rules)
            sha, _value = uploads.describe(data, name, media_type)
            state.store.put(sha, data)
            token_value = uploads.issue_token(state.secret, recipient.id, field_id, _value)
            return {
                "token": token_value,
                "file_name": name,
                "content_type": media_type,
                "size": len(data),
            }

        return JSONResponse(await run_in_threadpool(_run(http, link, work)))

    async def typed_mark(token: str, http: Request) -> JSONResponse:
        link = Link(kind, token)
        body = await _json_body(http)
        mark = "initials" if body.get("kind") == "initials" else "signature"
        limit = MAX_SIGNATURE_TEXT if mark == "signature" else MAX_INITIALS_TEXT
        text = _text(body, "text", limit)
        if not text:
            raise ValidationFailed([("text", "type your name first")])

        def work(
            session: Session, request: SigningRequest, recipient: Recipient, actor: Actor
        ) -> dict[str, Any]:
            actions.require_signable(request, recipient, refusal=NOTHING_TO_SIGN)
            if mark == "signature" and rules.setting(request.settings or {}, "hand_drawn_only"):
                raise ValidationFailed([("kind", "this document accepts drawn signatures only")])
            png = render_typed_signature(text, *_MARK_SIZES[mark])
            return {"data_uri": "data:image/png;base64," + base64.b64encode(png).decode()}

        return JSONResponse(await run_in_threadpool(_run(http, link, work, write=False)))

    for path, endpoint in (
        ("/consent", consent),
        ("/finish", finish),
        ("/decline", decline),
        ("/upload/{field_id}", upload),
        ("/typed-mark", typed_mark),
    ):
        router.add_api_route(prefix + path, endpoint, methods=["POST"], include_in_schema=False)
