"""Firma: create, create-and-send, list and read signing requests."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from signet.api.auth import AuthContext
from signet.api.body import decode_base64_pdf, read_model
from signet.api.deps import Auth, State
from signet.api.firma import schemas_in as fin
from signet.api.firma import schemas_out as out
from signet.api.firma import serializers as ser
from signet.api.firma.convert import draft_spec
from signet.api.firma.openapi import body_of, errors_of
from signet.api.firma.status import FILTER_STATES
from signet.api.responses import JSONBytes, json_response
from signet.api.state import AppState
from signet.db import transaction
from signet.errors import NotFound, NotImplementedRoute, ValidationFailed
from signet.kit.ids import parse_uuid
from signet.kit.links import SEVEN_DAYS, signing_link
from signet.kit.timefmt import parse_time
from signet.models import Blob, SigningRequest, UploadedDocument
from signet.models.base import utcnow
from signet.pdf.inspect import PdfInfo
from signet.signing import repository, service
from signet.signing.documents import check_pdf, store_pdf
from signet.signing.specs import Actor
from signet.signing.validation import check_draft

router = APIRouter(tags=["Signing requests"])


def _resolve_document(session: Any, state: AppState, auth: AuthContext,
                      body: fin.SigningRequestCreate) -> Blob | PdfInfo:
    """The stored blob of an uploaded document, or the checked (not yet stored) inline PDF."""
    if body.template_id and (body.document or body.document_id):
        raise ValidationFailed([("template_id", "give either a document or a template_id, not both")])
    if body.template_id:
        raise NotImplementedRoute(
            "Template-based creation is not implemented yet in Signet",
            details={"method": "POST", "path": "/signing-requests (template_id)"},
        )
    if body.document and body.document_id:
        raise ValidationFailed([("document", "give either document or document_id, not both")])
    if body.document_id:
        doc_id = parse_uuid(body.document_id)
        doc = session.get(UploadedDocument, doc_id) if doc_id else None
        if doc is None or doc.workspace_id != auth.workspace_id:
            raise NotFound("Document not found")
        if doc.status != "uploaded" or doc.blob_sha256 is None:
            raise ValidationFailed([("document_id", "the document has not been uploaded yet")])
        if doc.usable_until and doc.usable_until <= utcnow():
            raise ValidationFailed([("document_id", "the uploaded document has expired")])
        blob = session.get(Blob, doc.blob_sha256)
        assert blob is not None
        return blob
    if not body.document:
        raise ValidationFailed(
            [("document", "a base64 document, a document_id or a template_id is required")]
        )
    data = decode_base64_pdf(body.document, state.settings.max_inline_pdf_bytes)
    body.document = None  # let the base64 text go before the PDF is processed
    return check_pdf(data)


def _create(state: AppState, auth: AuthContext, actor: Actor, body: fin.SigningRequestCreate,
            *, and_send: bool) -> dict[str, Any]:
    warnings = [f"{w}: unknown key ignored" for w in body.unknown_keys("")]
    problems: list[tuple[str, str]] = []
    spec = draft_spec(body, problems)
    with transaction(state.db.write) as session:
        document: Blob | PdfInfo | None = None
        try:
            document = _resolve_document(session, state, auth, body)
        except ValidationFailed as exc:
            problems = exc.problems + problems
        page_count = document.page_count if document is not None else None
        more, _ = check_draft(spec, page_count, test=auth.test)
        problems += more
        if problems:
            raise ValidationFailed(problems, extra={"phase": "create_validation"} if and_send else None)
        assert document is not None
        blob = document if isinstance(document, Blob) else store_pdf(session, state.store, document)
        request, more_warnings = service.create_draft(
            session, state, workspace_id=auth.workspace_id, actor=actor, spec=spec, blob=blob,
            test=auth.test,
        )
        warnings += more_warnings
        if not and_send:
            return ser.created_out(state, request, warnings, "draft", ttl=SEVEN_DAYS)
        try:
            notified = service.send(session, state, request, actor, warnings=warnings)
        except ValidationFailed as exc:
            raise _send_validation(request, exc) from None
        result = ser.created_out(state, request, warnings, "sent", ttl=SEVEN_DAYS)
        first = notified[0] if notified else None
        result["first_signer"] = (
            {"id": first.id, "name": first.name, "email": first.email,
             "signing_link": signing_link(state.base_url, first.id)}
            if first else None
        )
        result["credits_remaining"] = None
        return result


def _send_validation(request: SigningRequest, exc: ValidationFailed) -> ValidationFailed:
    """Create-and-send's special shape: what is missing, per recipient."""
    per: dict[int, list[str]] = {}
    for loc, _msg in exc.problems:
        if loc.startswith("recipients["):
            idx = int(loc[len("recipients["):loc.index("]")])
            per.setdefault(idx, []).append(loc.rsplit(".", 1)[-1])
    items = [
        {"recipient_index": i + 1, "recipient_email": request.recipients[i].email,
         "missing_fields": fields}
        for i, fields in sorted(per.items())
    ]
    return ValidationFailed(
        exc.problems, extra={"phase": "send_validation", "validation_errors": items}
    )


@router.post(
    "/signing-requests",
    status_code=201,
    response_model=out.SigningRequestCreated,
    openapi_extra=body_of(fin.SigningRequestCreate),
    responses=errors_of(400, 401, 404, 413),
)
async def create_signing_request(request: Request, auth: Auth, state: State) -> JSONBytes:
    """Create a draft signing request from a base64 PDF (≤ 20 MB) or an uploaded `document_id`,
    with its recipients, fields and reminders. The page count is read from the PDF."""
    body = await read_model(request, fin.SigningRequestCreate)
    result = await run_in_threadpool(_create, state, auth, auth.actor(request), body, and_send=False)
    return json_response(out.SigningRequestCreated(**result), 201)


@router.post(
    "/signing-requests/create-and-send",
    status_code=201,
    response_model=out.SigningRequestCreatedAndSent,
    openapi_extra=body_of(fin.SigningRequestCreate),
    responses=errors_of(400, 401, 404, 413),
)
async def create_and_send(request: Request, auth: Auth, state: State) -> JSONBytes:
    """Create a signing request and send it in one step. Every send check runs before anything
    is written; on failure nothing is stored and the error says which phase failed."""
    body = await read_model(request, fin.SigningRequestCreate)
    result = await run_in_threadpool(_create, state, auth, auth.actor(request), body, and_send=True)
    return json_response(out.SigningRequestCreatedAndSent(**result), 201)


def _parse_list_filter(request: Request, status: str | None, name: str | None,
                       created_after: str | None, created_before: str | None,
                       signer_email: str | None, signer_name: str | None) -> repository.ListFilter:
    problems: list[tuple[str, str]] = []
    flt = repository.ListFilter(name=name, signer_email=signer_email, signer_name=signer_name)
    if status:
        states: set[str] = set()
        for token in status.split(","):
            token = token.strip().lower()
            if token not in FILTER_STATES:
                problems.append(("status", f"unknown status {token!r}"))
            else:
                states |= FILTER_STATES[token]
        flt.states = states
    for key, value in (("created_after", created_after), ("created_before", created_before)):
        if value:
            try:
                setattr(flt, key, parse_time(value))
            except ValueError:
                problems.append((key, "must be an ISO 8601 date or time"))
    flt.metadata = {
        k[len("metadata_"):]: v for k, v in request.query_params.items() if k.startswith("metadata_")
    }
    if problems:
        raise ValidationFailed(problems)
    return flt


@router.get(
    "/signing-requests",
    response_model=out.ListResponse,
    responses=errors_of(400, 401),
)
def list_signing_requests(
    request: Request,
    auth: Auth,
    state: State,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    status: Annotated[str | None, Query(description="Comma list; draft = not_sent")] = None,
    name: str | None = None,
    created_after: str | None = None,
    created_before: str | None = None,
    signer_email: str | None = None,
    signer_name: str | None = None,
    sort_by: Annotated[str, Query(pattern="^(name|created_on|created_date|expiration_hours|sent_on|sent_date|finished_on|finished_date)$")] = "created_on",
    sort_order: Annotated[str, Query(pattern="^(asc|desc)$")] = "desc",
) -> JSONBytes:
    """List signing requests, newest first, with filters. Deleted requests appear only when
    filtered for with `status=deleted`."""
    flt = _parse_list_filter(request, status, name, created_after, created_before, signer_email,
                             signer_name)
    with state.db.read() as session:
        rows, total = repository.page(
            session, repository.list_query(auth.workspace_id, flt), sort_by=sort_by,
            descending=sort_order == "desc", page_number=page, page_size=page_size,
        )
        body = out.ListResponse(
            results=[ser.list_item_out(state, r) for r in rows],
            pagination=out.Pagination(
                current_page=page, page_size=page_size, total_count=total,
                total_pages=math.ceil(total / page_size) if total else 0,
            ),
        )
    return json_response(body)


@router.get(
    "/signing-requests/{signing_request_id}",
    response_model=out.Detail,
    responses=errors_of(401, 404),
)
def get_signing_request(signing_request_id: str, auth: Auth, state: State) -> JSONBytes:
    """One signing request with its status flags, timestamps, certificate state and fresh
    download URLs (valid 1 hour)."""
    with state.db.read() as session:
        sr = repository.get_request(session, auth.workspace_id, signing_request_id)
        body = ser.detail_out(state, sr)
    return json_response(body)
