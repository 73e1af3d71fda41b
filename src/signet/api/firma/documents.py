"""Firma: ``POST /documents`` (legacy create, or a presigned upload ticket) and the upload PUT."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from signet.api.body import off_loop, parse_body, read_body, refuse_huge_structure
from signet.api.deps import Auth, State
from signet.api.firma import pdf_input
from signet.api.firma import schemas_in as fin
from signet.api.firma import schemas_out as out
from signet.api.firma import serializers as ser
from signet.api.firma.convert import legacy_spec
from signet.api.openapi import errors_of
from signet.api.responses import JSONBytes, json_response
from signet.context import AppContext
from signet.db import transaction
from signet.errors import SignetError, ValidationFailed
from signet.kit import signed_urls
from signet.kit.links import SEVEN_DAYS, upload_link
from signet.kit.timefmt import firma_time as ft
from signet.signing import creation, uploads

router = APIRouter(tags=["Documents"])
upload_router = APIRouter(tags=["Documents"])


def legacy_out(state: AppContext, sr: Any) -> out.LegacyDocument:
    url, url_exp = ser.document_link(state, sr, SEVEN_DAYS)
    s = ser.settings_out(sr.settings)
    return out.LegacyDocument(
        id=sr.id,
        name=sr.name,
        description=sr.description,
        document_url=url,
        document_url_expires_at=url_exp,
        document_page_count=sr.page_count,
        status="not_sent",
        expiration_hours=sr.expiration_hours,
        credit_cost=1,
        settings=out.LegacySettings(**{k: getattr(s, k) for k in out.LegacySettings.model_fields}),
        use_signing_order=int(s.use_signing_order),
        allow_download=int(s.allow_download),
        allow_editing_before_sending=int(s.allow_editing_before_sending),
        hand_drawn_only=int(s.hand_drawn_only),
        attach_pdf_on_finish=int(s.attach_pdf_on_finish),
        template_id=sr.template_id,
        date_created=ft(sr.created_at) or "",
        date_sent=ft(sr.sent_at),
        date_finished=ft(sr.finished_at),
        date_cancelled=ft(sr.cancelled_at),
        date_declined=ft(sr.declined_at),
        expires_at=ft(sr.expires_at),
        certificate=out.CertificateOut(generated=False, generated_on=None, has_error=False),
        final_document_download_url=None,
        final_document_download_error=None,
        document_only_download_url=None,
        document_only_download_error=None,
        certificate_only_download_url=None,
        certificate_only_download_error=None,
    )


def _is_upload_ticket(raw: bytes) -> bool:
    """Whether the body asks for an upload ticket (``file_name``) or a legacy create
    (``name``); 400 for anything else."""
    refuse_huge_structure(raw)
    try:
        probe = orjson.loads(raw) if raw.strip() else None
    except orjson.JSONDecodeError:
        raise ValidationFailed([("body", "the body is not valid JSON")]) from None
    if not isinstance(probe, dict):
        raise ValidationFailed([("body", "the body must be a JSON object")])
    has_file, has_name = "file_name" in probe, "name" in probe
    if has_file == has_name:
        raise ValidationFailed([("body", "give either file_name (upload) or name (legacy create)")])
    return has_file


@router.post(
    "/documents",
    status_code=201,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [
                            {"$ref": "#/components/schemas/LegacyDocumentCreate"},
                            {"$ref": "#/components/schemas/UploadTicketCreate"},
                        ]
                    }
                }
            },
        }
    },
    responses={
        201: {
            "description": "A legacy draft, or an upload ticket",
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [
                            {"$ref": "#/components/schemas/LegacyDocument"},
                            {"$ref": "#/components/schemas/UploadTicket"},
                        ]
                    }
                }
            },
        },
        **errors_of(400, 401, 413),
    },
)
async def create_document(request: Request, auth: Auth, state: State) -> JSONBytes:
    """Two upstream versions share this path, told apart by the body: with `file_name` it returns
    a presigned upload ticket (PUT the raw PDF to `upload_url`, ≤ 50 MB); with `name` it is the
    legacy create of a draft whose recipients are `{name, email}`."""
    raw = await read_body(request, state.settings.max_json_body_bytes)
    has_file = await off_loop(len(raw), _is_upload_ticket, raw)
    actor = auth.actor(request)
    if has_file:
        ticket = await parse_body(raw, fin.UploadTicketCreate)

        def make_ticket() -> out.UploadTicket:
            with transaction(state.db.write) as session:
                doc = uploads.open_upload(
                    session,
                    workspace_id=auth.workspace_id,
                    file_name=ticket.file_name,
                    file_size=ticket.file_size,
                    content_type=ticket.content_type,
                    max_bytes=state.settings.max_upload_bytes,
                )
                ttl = int(uploads.SEND_WITHIN.total_seconds())
                url, token = upload_link(state.base_url, state.secret, doc.id, ttl)
                return out.UploadTicket(
                    document_id=doc.id, upload_url=url, upload_token=token, expires_in=ttl
                )

        return json_response(await run_in_threadpool(make_ticket), 201)

    body = await parse_body(raw, fin.LegacyDocumentCreate)
    del raw

    def legacy() -> out.LegacyDocument:
        problems: list[tuple[str, str]] = []
        document = pdf_input.source_or_problems(
            state, problems, document=body.document, document_id=None, required=None
        )
        body.document = None  # let the base64 text go before the PDF is processed
        new = creation.NewRequest(
            spec=legacy_spec(body), document=document, problems=problems, require_signer=False
        )
        with transaction(state.db.write) as session:
            created = creation.create_request(
                session,
                state,
                new,
                workspace_id=auth.workspace_id,
                actor=actor,
                test=auth.test,
            )
            return legacy_out(state, created.request)

    return json_response(await run_in_threadpool(legacy), 201)


@upload_router.put(
    "/uploads/{token}",
    response_model=out.UploadResult,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
    responses=errors_of(400, 403, 410, 413),
)
async def upload_document(token: str, request: Request, state: State) -> JSONBytes:
    """Receive the raw bytes of a presigned upload (no API key: the URL is the credential).
    The `document_id` is then usable by creates for 24 hours."""
    try:
        payload = signed_urls.verify(state.secret, token)
    except signed_urls.ExpiredToken:
        raise SignetError(
            "The upload URL has expired", code="UPLOAD_EXPIRED", status_code=410
        ) from None
    except signed_urls.InvalidToken:
        raise SignetError("Invalid upload URL", code="ACCESS_DENIED", status_code=403) from None
    if payload.get("p") != "upload":
        raise SignetError("Invalid upload URL", code="ACCESS_DENIED", status_code=403)
    data = await read_body(request, state.settings.max_upload_bytes)

    def work() -> out.UploadResult:
        with transaction(state.db.write) as session:
            upload, blob = uploads.receive_upload(session, state.store, payload["d"], data)
            return out.UploadResult(
                document_id=upload.id,
                status="uploaded",
                page_count=blob.page_count,
                sha256=blob.sha256,
            )

    return json_response(await run_in_threadpool(work))
