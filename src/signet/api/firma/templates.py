"""Firma: templates — list, create, read, delete, their users/fields/reminders, replace the
document, use one ("duplicate") and copy one to another workspace. PATCH and PUT live in
``template_editing``."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Body, Query, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from signet.api.auth import AuthContext
from signet.api.body import read_model
from signet.api.deps import Auth, PageNumber, State
from signet.api.firma import pdf_input, template_editing
from signet.api.firma import template_schemas as t
from signet.api.firma import template_serializers as ser
from signet.api.firma.schemas_out import Pagination
from signet.api.firma.template_convert import anchor_specs, template_spec
from signet.api.openapi import ISO_TIME, body_of, errors_of
from signet.api.responses import JSONBytes, json_response
from signet.api.state import AppState
from signet.db import transaction
from signet.errors import Forbidden, NotFound, ValidationFailed
from signet.kit.links import ONE_HOUR, SEVEN_DAYS
from signet.kit.timefmt import firma_time as ft
from signet.kit.timefmt import parse_time
from signet.pdf.anchors import token_names
from signet.signing import creation
from signet.signing.anchors import relabel
from signet.templates import copying, repository, service
from signet.templates.using import TemplateUse, use_template

router = APIRouter(tags=["Templates"])
router.include_router(template_editing.router)


@router.get("/templates", response_model=t.TemplateListResponse, responses=errors_of(400, 401))
def list_templates(
    auth: Auth,
    state: State,
    page: PageNumber = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    name: str | None = None,
    created_after: Annotated[str | None, Query(json_schema_extra=ISO_TIME)] = None,
    created_before: Annotated[str | None, Query(json_schema_extra=ISO_TIME)] = None,
    sort_by: Annotated[str, Query(pattern="^(name|created_on|last_changed_on)$")] = "created_on",
    sort_order: Annotated[str, Query(pattern="^(asc|desc)$")] = "desc",
) -> JSONBytes:
    """List templates, newest first; `name` matches part of the name, any case."""
    flt = repository.TemplateFilter(name=name)
    problems = []
    for key, value in (("created_after", created_after), ("created_before", created_before)):
        if value:
            try:
                setattr(flt, key, parse_time(value))
            except ValueError:
                problems.append((key, "must be an ISO 8601 date or time"))
    if problems:
        raise ValidationFailed(problems)
    with state.db.read() as session:
        rows, total = repository.page(
            session,
            repository.list_query(session, auth.workspace_id, flt),
            sort_by=sort_by,
            descending=sort_order == "desc",
            page_number=page,
            page_size=page_size,
        )
        body = t.TemplateListResponse(
            results=[ser.list_item_out(state, row, ONE_HOUR) for row in rows],
            pagination=Pagination(
                current_page=page,
                page_size=page_size,
                total_count=total,
                total_pages=math.ceil(total / page_size) if total else 0,
            ),
        )
    return json_response(body)


def _create(
    state: AppState, auth: AuthContext, request: Request, body: t.TemplateCreate
) -> t.TemplateCreated:
    warnings = [f"{w}: unknown key ignored" for w in body.unknown_keys("")]
    spec_problems: list[tuple[str, str]] = []
    spec = template_spec(body, spec_problems)
    problems: list[tuple[str, str]] = []
    source = pdf_input.source_or_problems(
        state, problems, document=body.document, document_id=body.document_id
    )
    body.document = None  # let the base64 text go before the PDF is processed
    with transaction(state.db.write) as session:
        read = creation.read_with_anchors(
            session,
            state.store,
            workspace_id=auth.workspace_id,
            spec=spec,
            source=source,
            anchors=anchor_specs(body.anchor_tags) if body.anchor_tags else [],
            problems=problems,
            spec_problems=spec_problems,
        )
        document, origins = read.document, read.origins
        warnings += read.warnings
        if read.problems:
            # Report everything at once: the document's problems and the template's.
            rest, _ = service.check_template(spec, document.page_count if document else None)
            raise ValidationFailed(read.problems + relabel(rest, origins))
        assert document is not None
        blob = creation.store_document(session, state.store, document)
        try:
            template, more = service.create_template(
                session,
                state,
                workspace_id=auth.workspace_id,
                actor=auth.actor(request),
                spec=spec,
                blob=blob,
                tags=body.tags,
                tokens=token_names(creation.document_bytes(state.store, document)),
                test=auth.test,
            )
        except ValidationFailed as exc:
            raise ValidationFailed(relabel(exc.problems, origins)) from None
        out = ser.template_out(state, template, SEVEN_DAYS)
        return t.TemplateCreated(**out.model_dump(), warnings=warnings + more)


@router.post(
    "/templates",
    status_code=201,
    response_model=t.TemplateCreated,
    responses=errors_of(400, 401, 404, 413),
    openapi_extra=body_of(t.TemplateCreate),
)
async def create_template(request: Request, auth: Auth, state: State) -> JSONBytes:
    """Create a template from a base64 PDF (≤ 20 MB) or an uploaded `document_id`, with its
    users (roles), fields, reminders (hours *after sending*) and settings. The page count is
    read from the PDF; `anchor_tags` place fields at text markers; `[Token.Name]` placeholders
    in the text become the template's PandaDoc tokens."""
    body = await read_model(request, t.TemplateCreate)
    result = await run_in_threadpool(_create, state, auth, request, body)
    return json_response(result, 201)


@router.get("/templates/{template_id}", response_model=t.TemplateOut, responses=errors_of(401, 404))
def get_template(template_id: str, auth: Auth, state: State) -> JSONBytes:
    """One template with its users and fields, and a fresh document URL (valid 1 hour)."""
    with state.db.read() as session:
        template = repository.get_template(session, auth.workspace_id, template_id)
        body = ser.template_out(state, template, ONE_HOUR)
    return json_response(body)


@router.delete(
    "/templates/{template_id}", response_model=t.MessageResponse, responses=errors_of(401, 404)
)
def delete_template(template_id: str, request: Request, auth: Auth, state: State) -> JSONBytes:
    """Soft-delete a template. Signing requests made from it are not affected."""
    with transaction(state.db.write) as session:
        template = repository.get_template(session, auth.workspace_id, template_id, for_update=True)
        service.delete_template(session, state, template, auth.actor(request))
    return json_response(t.MessageResponse(message="Template deleted successfully"))


@router.get(
    "/templates/{template_id}/users",
    response_model=t.TemplateUsersResponse,
    responses=errors_of(401, 404),
)
def list_template_users(template_id: str, auth: Auth, state: State) -> JSONBytes:
    """The template's users (roles), with what each still lacks before sending: recipient
    data its fields need and read-only values without a default."""
    with state.db.read() as session:
        template = repository.get_template(session, auth.workspace_id, template_id)
        body = t.TemplateUsersResponse(results=[ser.user_out(template, u) for u in template.users])
    return json_response(body)


@router.get(
    "/templates/{template_id}/fields",
    response_model=t.TemplateFieldsResponse,
    responses=errors_of(401, 404),
)
def list_template_fields(template_id: str, auth: Auth, state: State) -> JSONBytes:
    """The template's fields, in percent of the page (top-left origin)."""
    with state.db.read() as session:
        template = repository.get_template(session, auth.workspace_id, template_id)
        body = t.TemplateFieldsResponse(results=[ser.field_out(f) for f in template.fields])
    return json_response(body)


@router.get(
    "/templates/{template_id}/reminders",
    response_model=list[t.TemplateReminderOut],
    responses=errors_of(401, 404),
)
def list_template_reminders(template_id: str, auth: Auth, state: State) -> JSONBytes:
    """The template's reminders (a bare array); `hours` counts from sending. A request made
    from the template reminds `expiration_hours − hours` before it expires."""
    with state.db.read() as session:
        template = repository.get_template(session, auth.workspace_id, template_id)
        items = [ser.reminder_out(m).model_dump(mode="json") for m in template.reminders]
    return json_response(items)


@router.post(
    "/templates/{template_id}/replace-document",
    response_model=t.TemplateOut,
    responses=errors_of(400, 401, 404, 413),
    openapi_extra=body_of(t.ReplaceDocumentIn),
)
async def replace_document(
    template_id: str, request: Request, auth: Auth, state: State
) -> JSONBytes:
    """Replace the template's PDF and keep every field where it is. The new PDF must have the
    same page count and page sizes (within 1 pt); otherwise nothing changes."""
    body = await read_model(request, t.ReplaceDocumentIn)
    actor = auth.actor(request)

    def work() -> t.TemplateOut:
        with transaction(state.db.write) as session:
            template = repository.get_template(
                session, auth.workspace_id, template_id, for_update=True
            )
            document = pdf_input.resolve_pdf(
                session, state, auth, document=body.document, document_id=body.document_id
            )
            assert document is not None
            blob = pdf_input.store(session, state, document)
            service.replace_document(
                session,
                state,
                template,
                actor,
                blob,
                token_names(pdf_input.pdf_bytes(state, document)),
            )
            return ser.template_out(state, template, SEVEN_DAYS)

    return json_response(await run_in_threadpool(work))


def _duplicate_target(session: Session, auth: AuthContext, template_id: str) -> None:
    """Firma answers 403 for a template of another workspace of the company (else 404)."""
    other = repository.find_in_company(session, auth.company_id, template_id)
    if other is not None and other.workspace_id != auth.workspace_id:
        raise Forbidden("Template belongs to a different workspace", code="ACCESS_DENIED")


@router.post(
    "/templates/{template_id}/duplicate",
    status_code=201,
    response_model=t.TemplateDuplicateResponse,
    responses=errors_of(401, 403, 404),
)
async def duplicate_template(
    template_id: str,
    request: Request,
    auth: Auth,
    state: State,
    body: Annotated[t.DuplicateIn | None, Body()] = None,
) -> JSONBytes:
    """Use the template: a draft **signing request** with its document, users, fields,
    reminders and settings (named `name`, else the template's name)."""
    actor = auth.actor(request)
    name = body.name if body else None

    def work() -> t.TemplateDuplicateResponse:
        with transaction(state.db.write) as session:
            _duplicate_target(session, auth, template_id)
            sr, _ = use_template(
                session,
                state,
                workspace_id=auth.workspace_id,
                template_id=template_id,
                use=TemplateUse(name=name),
                actor=actor,
                test=auth.test,
            )
            return t.TemplateDuplicateResponse(
                id=sr.id,
                name=sr.name,
                description=sr.description,
                status="draft",
                workspace_id=sr.workspace_id,
                created_date=ft(sr.created_at) or "",
            )

    return json_response(await run_in_threadpool(work), 201)


@router.post(
    "/templates/{template_id}/copy",
    status_code=201,
    response_model=t.TemplateCopyResponse,
    responses=errors_of(400, 401, 403, 404),
)
async def copy_template(
    template_id: str, request: Request, auth: Auth, state: State, body: Annotated[t.CopyIn, Body()]
) -> JSONBytes:
    """Deep-copy a template (users, fields, reminders, custom field definitions, the PDF) to
    another workspace of the same company. Needs the protected workspace's key."""
    if not auth.workspace_protected:
        raise Forbidden(
            "This operation requires a protected workspace API key", code="PROTECTED_KEY_REQUIRED"
        )
    actor = auth.actor(request)

    def work() -> t.TemplateCopyResponse:
        with transaction(state.db.write) as session:
            source = repository.find_in_company(session, auth.company_id, template_id)
            if source is None:
                raise NotFound("Template not found")
            target = repository.company_workspace(session, auth.company_id, body.workspace_id)
            copy = copying.copy_template(
                session, state, source, workspace_id=target.id, name=body.name, actor=actor
            )
            return t.TemplateCopyResponse(
                id=copy.id,
                name=copy.name,
                workspace_id=target.id,
                created_date=ft(copy.created_at) or "",
            )

    return json_response(await run_in_threadpool(work), 201)
