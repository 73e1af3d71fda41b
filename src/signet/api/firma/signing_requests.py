"""Firma: create, create-and-send, list and read signing requests."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from signet.api.auth import AuthContext, authenticate
from signet.api.body import read_model
from signet.api.deps import Auth, PageNumber, State
from signet.api.firma import detail_read, pdf_input
from signet.api.firma import schemas_in as fin
from signet.api.firma import schemas_out as out
from signet.api.firma import serializers as ser
from signet.api.firma.convert import draft_spec
from signet.api.firma.status import FILTER_STATES
from signet.api.firma.template_convert import anchor_specs, template_use
from signet.api.openapi import ISO_TIME, body_of, errors_of
from signet.api.responses import JSONBytes, json_response
from signet.api.state import AppState
from signet.db import transaction
from signet.errors import ValidationFailed
from signet.kit.links import SEVEN_DAYS, signing_link
from signet.kit.timefmt import parse_time
from signet.models import SigningRequest
from signet.signing import creation, repository, service
from signet.signing.specs import Actor
from signet.templates.using import use_template

router = APIRouter(tags=["Signing requests"])
# The hottest read, registered by create_app ahead of every other route.
read_router = APIRouter(tags=["Signing requests"])


def _create(
    state: AppState,
    auth: AuthContext,
    actor: Actor,
    body: fin.SigningRequestCreate,
    *,
    and_send: bool,
) -> dict[str, Any]:
    warnings = [f"{w}: unknown key ignored" for w in body.unknown_keys("")]
    if body.template_id and (body.document or body.document_id):
        raise ValidationFailed(
            [("template_id", "give either a document or a template_id, not both")]
        )
    with transaction(state.db.write) as session:
        if body.template_id:
            request, more = _from_template(session, state, auth, actor, body, and_send)
        else:
            request, more = _from_document(session, state, auth, actor, body, and_send)
        warnings += more
        if not and_send:
            return ser.created_out(state, request, warnings, "draft", ttl=SEVEN_DAYS)
        try:
            notified = service.send(session, state, request, actor, warnings=warnings)
        except ValidationFailed as exc:
            raise _send_validation(request, exc) from None
        result = ser.created_out(state, request, warnings, "sent", ttl=SEVEN_DAYS)
        first = notified[0] if notified else None
        result["first_signer"] = (
            {
                "id": first.id,
                "name": first.name,
                "email": first.email,
                "signing_link": signing_link(state.base_url, first.id),
            }
            if first
            else None
        )
        result["credits_remaining"] = None
        return result


def _create_phase(exc: ValidationFailed, and_send: bool) -> ValidationFailed:
    return ValidationFailed(
        exc.problems, extra={"phase": "create_validation"} if and_send else None
    )


def _from_document(
    session: Session,
    state: AppState,
    auth: AuthContext,
    actor: Actor,
    body: fin.SigningRequestCreate,
    and_send: bool,
) -> tuple[SigningRequest, list[str]]:
    problems: list[tuple[str, str]] = []
    document = pdf_input.source_or_problems(
        state,
        problems,
        document=body.document,
        document_id=body.document_id,
        required="a base64 document, a document_id or a template_id is required",
    )
    body.document = None  # let the base64 text go before the PDF is processed
    spec_problems: list[tuple[str, str]] = []
    new = creation.NewRequest(
        spec=draft_spec(body, spec_problems),
        document=document,
        problems=problems,
        spec_problems=spec_problems,
        anchors=anchor_specs(body.anchor_tags) if body.anchor_tags else [],
    )
    try:
        created = creation.create_request(
            session,
            state,
            new,
            workspace_id=auth.workspace_id,
            actor=actor,
            test=auth.test,
        )
    except ValidationFailed as exc:
        raise _create_phase(exc, and_send) from None
    return created.request, created.warnings


def _from_template(
    session: Session,
    state: AppState,
    auth: AuthContext,
    actor: Actor,
    body: fin.SigningRequestCreate,
    and_send: bool,
) -> tuple[SigningRequest, list[str]]:
    """Template-based: recipients and fields override the template's
    (docs/compat/firma.md#creating-from-a-template)."""
    problems: list[tuple[str, str]] = []
    use = template_use(body, problems)
    if problems:
        raise _create_phase(ValidationFailed(problems), and_send)
    try:
        return use_template(
            session,
            state,
            workspace_id=auth.workspace_id,
            template_id=body.template_id or "",
            use=use,
            actor=actor,
            test=auth.test,
        )
    except ValidationFailed as exc:
        raise _create_phase(exc, and_send) from None


def _send_validation(request: SigningRequest, exc: ValidationFailed) -> ValidationFailed:
    """Create-and-send's special shape: what is missing, per recipient. A required read-only
    field without a value counts for the recipient it belongs to, named by its variable."""
    index = {r.id: i for i, r in enumerate(request.recipients)}
    per: dict[int | None, list[str]] = {}
    for loc, msg in exc.problems:
        if loc.startswith("recipients["):
            idx = int(loc[len("recipients[") : loc.index("]")])
            per.setdefault(idx, []).append(loc.rsplit(".", 1)[-1])
        elif loc.startswith("fields[") and loc.endswith("]") and "read-only" in msg:
            f = request.fields[int(loc[len("fields[") : -1])]
            owner = index.get(f.recipient_id or "")
            per.setdefault(owner, []).append(
                f.variable_name or f.variable_defined_name or f.name or loc
            )
    items = [
        {
            "recipient_index": i + 1 if i is not None else None,
            "recipient_email": request.recipients[i].email if i is not None else None,
            "missing_fields": fields,
        }
        for i, fields in sorted(per.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))
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
    with its recipients, fields, `anchor_tags` and reminders (the page count is read from the
    PDF); or from a `template_id`, with overrides: recipients matched to template users by
    `template_user_id`, else `order`; fields by `template_field_id`, `variable_name` or
    `variable_defined_name`. An override that matches nothing is a 400."""
    body = await read_model(request, fin.SigningRequestCreate)
    result = await run_in_threadpool(
        _create, state, auth, auth.actor(request), body, and_send=False
    )
    return json_response(out.SigningRequestCreated(**result), 201)


@router.post(
    "/signing-requests/create-and-send",
    status_code=201,
    response_model=out.SigningRequestCreatedAndSent,
    openapi_extra=body_of(fin.SigningRequestCreate),
    responses=errors_of(400, 401, 404, 413),
)
async def create_and_send(request: Request, auth: Auth, state: State) -> JSONBytes:
    """Create a signing request (from a document or a `template_id`, as `POST
    /signing-requests`) and send it in one step. Every send check runs before anything is
    written; on failure nothing is stored and the error says which phase failed. With
    `phase: "send_validation"`, `validation_errors` lists per recipient what is missing,
    including required read-only values (by `variable_name`) of template merge fields."""
    body = await read_model(request, fin.SigningRequestCreate)
    result = await run_in_threadpool(_create, state, auth, auth.actor(request), body, and_send=True)
    return json_response(out.SigningRequestCreatedAndSent(**result), 201)


def _parse_list_filter(
    request: Request,
    status: str | None,
    name: str | None,
    created_after: str | None,
    created_before: str | None,
    signer_email: str | None,
    signer_name: str | None,
) -> repository.ListFilter:
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
        k[len("metadata_") :]: v
        for k, v in request.query_params.items()
        if k.startswith("metadata_")
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
    page: PageNumber = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    status: Annotated[str | None, Query(description="Comma list; draft = not_sent")] = None,
    name: str | None = None,
    created_after: Annotated[str | None, Query(json_schema_extra=ISO_TIME)] = None,
    created_before: Annotated[str | None, Query(json_schema_extra=ISO_TIME)] = None,
    signer_email: str | None = None,
    signer_name: str | None = None,
    sort_by: Annotated[
        str,
        Query(
            pattern="^(name|created_on|created_date|expiration_hours|sent_on|sent_date|finished_on|finished_date)$"
        ),
    ] = "created_on",
    sort_order: Annotated[str, Query(pattern="^(asc|desc)$")] = "desc",
) -> JSONBytes:
    """List signing requests, newest first, with filters. Deleted requests appear only when
    filtered for with `status=deleted`."""
    flt = _parse_list_filter(
        request, status, name, created_after, created_before, signer_email, signer_name
    )
    with state.db.read() as session:
        rows, total = repository.page(
            session,
            repository.list_query(auth.workspace_id, flt),
            sort_by=sort_by,
            descending=sort_order == "desc",
            page_number=page,
            page_size=page_size,
        )
        body = out.ListResponse(
            results=[ser.list_item_out(state, r) for r in rows],
            pagination=out.Pagination(
                current_page=page,
                page_size=page_size,
                total_count=total,
                total_pages=math.ceil(total / page_size) if total else 0,
            ),
        )
    return json_response(body)


@read_router.get(
    "/signing-requests/{signing_request_id}",
    response_model=out.Detail,
    responses=errors_of(401, 404),
)
async def get_signing_request(signing_request_id: str, request: Request) -> JSONBytes:
    """One signing request with its status flags, timestamps, certificate state and fresh
    download URLs (valid 1 hour)."""
    # The hottest read (clients poll it): one point read and a dict for orjson, on the event
    # loop, and no dependency resolution (see signet.point_reads for the figures).
    auth = await authenticate(request)
    state: AppState = request.app.state.signet
    memo: detail_read.DetailMemo = request.app.state.detail_memo
    body = await detail_read.detail_json(state, memo, auth.workspace_id, signing_request_id)
    return JSONBytes(body)
