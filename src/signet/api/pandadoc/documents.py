"""PandaDoc: create, list and read documents (``/public/v1/documents``). The routes for
changing a document, its recipients, fields and files live in sibling modules and are included
here, so the whole documents surface mounts as one router."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from signet.api.auth import AuthContext
from signet.api.body import (
    off_loop,
    parse_body,
    parse_model,
    read_body,
    refuse_huge_structure,
)
from signet.api.deps import Auth, State
from signet.api.pandadoc import (
    changes,
    document_fields,
    document_files,
    document_recipients,
    listing,
)
from signet.api.pandadoc import schemas as sch
from signet.api.pandadoc import serializers as ser
from signet.api.pandadoc.common import body_of, errors_of, load
from signet.api.pandadoc.creation import create_document, create_from_template
from signet.api.responses import JSONBytes, json_response
from signet.context import AppContext
from signet.errors import NotImplementedRoute, PayloadTooLarge, ValidationFailed
from signet.signing.creation import DocumentSource
from signet.signing.url_fetch import UrlRefused, check_source_url

router = APIRouter(tags=["PandaDoc: documents"])

_CREATE_BODY = body_of(sch.DocumentCreateIn)
_CREATE_BODY["requestBody"]["content"]["multipart/form-data"] = {
    "schema": {
        "type": "object",
        "required": ["file"],
        "properties": {
            "file": {"type": "string", "format": "binary", "description": "The PDF (≤ 50 MB)"},
            "data": {"type": "string", "description": "DocumentCreateIn as a JSON string"},
        },
    }
}


async def _read_upload(file: UploadFile, limit: int) -> bytes:
    buf = bytearray()
    while chunk := await file.read(1024 * 1024):
        buf += chunk
        if len(buf) > limit:
            raise PayloadTooLarge(f"The file is larger than {limit // (1024 * 1024)} MB")
    return bytes(buf)


def _data_part(raw: Any, problems: list[tuple[str, str]]) -> sch.DocumentCreateIn:
    if raw is None:
        return sch.DocumentCreateIn()
    refuse_huge_structure(raw if isinstance(raw, bytes) else str(raw).encode())
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        problems.append(("data", "is not valid JSON"))
        return sch.DocumentCreateIn()
    if not isinstance(data, dict):
        problems.append(("data", "must be a JSON object"))
        return sch.DocumentCreateIn()
    try:
        return parse_model(orjson.dumps(data), sch.DocumentCreateIn)
    except ValidationFailed as exc:
        problems.extend(exc.problems)
        return sch.DocumentCreateIn()


async def _upload(request: Request, auth: AuthContext, state: AppContext) -> JSONBytes:
    limit = state.settings.max_upload_bytes
    form = await request.form(max_files=2, max_fields=20, max_part_size=4 * 1024 * 1024)
    problems: list[tuple[str, str]] = []
    part = form.get("data")
    raw_data = await part.read() if isinstance(part, UploadFile) else part
    body = await off_loop(len(raw_data or b""), _data_part, raw_data, problems)
    file = form.get("file")
    document = DocumentSource(loc="file")
    name = "Untitled document"
    if not isinstance(file, UploadFile):
        problems.append(
            ("file", "This field is required: send the PDF as the multipart part 'file'")
        )
    else:
        name = (file.filename or name).rsplit("/", 1)[-1].removesuffix(".pdf") or name
        document.pdf = await _read_upload(file, limit)
    actor = auth.actor(request)
    result = await run_in_threadpool(
        create_document,
        state,
        auth,
        actor,
        body,
        document=document,
        url=None,
        default_name=name,
        problems=problems,
    )
    return json_response(result, 201)


def _template_create_available() -> bool:
    """Templates are another part of Signet; without them this create answers 501."""
    try:
        from signet.templates import service
    except ImportError:
        return False
    return hasattr(service, "draft_from_template")


@router.post(
    "/documents",
    status_code=201,
    response_model=sch.DocumentCreatedOut,
    openapi_extra=_CREATE_BODY,
    responses=errors_of(400, 401, 404, 429),
)
async def create(request: Request, auth: Auth, state: State) -> JSONBytes:
    """Create a document. Upload a PDF as multipart (`?upload`, parts `file` and `data`), or
    send JSON with an https `url` to fetch the PDF from. The answer is `document.uploaded`;
    poll `GET /documents/{id}` until `document.draft` (moments later) before changing or
    sending it. Problems found now answer 400 with nothing stored; problems found while
    processing end in `document.error`."""
    if request.headers.get("content-type", "").lower().startswith("multipart/"):
        return await _upload(request, auth, state)
    raw = await read_body(request, state.settings.max_json_body_bytes)
    body = await parse_body(raw, sch.DocumentCreateIn)
    problems: list[tuple[str, str]] = []
    if body.template_uuid:
        if not _template_create_available():
            raise NotImplementedRoute(
                "Not implemented in Signet yet: POST /public/v1/documents with template_uuid"
            )
        created = await run_in_threadpool(
            create_from_template, state, auth, auth.actor(request), body
        )
        return json_response(created, 201)
    if not body.url:
        raise ValidationFailed(
            [
                (
                    "url",
                    "give an https url, a template_uuid, or upload a file "
                    "as multipart with ?upload",
                )
            ]
        )
    allow = state.settings.webhook_allow_private
    try:
        await run_in_threadpool(check_source_url, body.url, allow_private=allow)
    except UrlRefused as exc:
        problems.append(("url", str(exc)))
    name = body.url.rsplit("/", 1)[-1].split("?", 1)[0].removesuffix(".pdf") or "Untitled"
    result = await run_in_threadpool(
        create_document,
        state,
        auth,
        auth.actor(request),
        body,
        document=DocumentSource(),
        url=body.url,
        default_name=name[:255],
        problems=problems,
    )
    return json_response(result, 201)


@router.get(
    "/documents/{document_id}",
    response_model=sch.DocumentStatusOut,
    responses=errors_of(401, 404, 429),
)
def document_status(document_id: str, auth: Auth, state: State) -> JSONBytes:
    """The document's status (`document.uploaded`, `document.draft`, `document.sent` …)."""
    with state.db.read() as session:
        body = ser.status_out(load(session, auth, document_id))
    return json_response(body)


@router.get(
    "/documents/{document_id}/details",
    response_model=sch.DetailsOut,
    responses=errors_of(401, 404, 429),
)
def document_details(document_id: str, auth: Auth, state: State) -> JSONBytes:
    """Everything about the document: recipients (with their `shared_link`), fields in PDF
    points, tokens, metadata and tags."""
    with state.db.read() as session:
        body = ser.details_out(state, session, load(session, auth, document_id))
    return json_response(body)


router.include_router(listing.router)
router.include_router(changes.router)
router.include_router(document_recipients.router)
router.include_router(document_fields.router)
router.include_router(document_files.router)
