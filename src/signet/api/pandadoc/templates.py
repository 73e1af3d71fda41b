"""PandaDoc: templates — list, details (roles, fields, tokens), create from an uploaded PDF,
delete. The same templates the Firma face shows, with 22-char ids and PandaDoc's shapes.

Roles are the template users' role labels; a template made on the Firma face without labels
shows "Signer 1", "Approver 2"… Tokens are the ``[Token.Name]`` placeholders found in the
document's text; ``POST /documents`` with ``template_uuid`` fills them.
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from signet.api.body import refuse_huge_structure
from signet.api.deps import Auth, PageNumber, State
from signet.api.errors import pydantic_problems
from signet.api.input_model import InputModel
from signet.api.pandadoc.common import errors_of
from signet.api.pandadoc.schemas import (
    FieldLayoutOut,
    FieldPositionOut,
    FieldStyleOut,
    MemberOut,
    TokenOut,
)
from signet.api.pandadoc.serializers import TYPE_OUT, member_out
from signet.api.responses import JSONBytes, json_response
from signet.db import transaction
from signet.errors import NotImplementedRoute, PayloadTooLarge, ValidationFailed
from signet.kit.ids import short_id
from signet.kit.timefmt import pandadoc_time as pt
from signet.models import Template, TemplateField, TemplateUser
from signet.pdf.anchors import token_names
from signet.signing import creation, rules
from signet.signing.creation import DocumentSource
from signet.signing.geometry import page_size, to_points
from signet.signing.specs import DraftSpec
from signet.templates import repository, service

router = APIRouter(tags=["PandaDoc: templates"])


class TemplateDataIn(InputModel):
    """The ``data`` part of an upload (``folder_uuid``, ``owner`` and others are ignored)."""

    name: str | None = None
    tags: list[str] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)


class TemplateListItemOut(BaseModel):
    id: str
    name: str
    date_created: str
    date_modified: str
    version: str


class TemplateListOut(BaseModel):
    results: list[TemplateListItemOut]


class PreassignedPersonOut(BaseModel):
    email: str
    first_name: str
    last_name: str
    type: str = "preassigned contact"


class RoleOut(BaseModel):
    id: str
    name: str
    signing_order: str | None
    preassigned_person: PreassignedPersonOut | None = Field(
        default=None, description="Omitted when the role has no default person"
    )


class RoleRefOut(BaseModel):
    id: str
    name: str
    type: str = "role"


class TemplateFieldOut(BaseModel):
    uuid: str
    name: str
    title: str
    placeholder: str | None
    value: Any
    field_id: str
    merge_field: str | None
    type: str
    assigned_to: RoleRefOut | None
    layout: FieldLayoutOut


class TemplateDetailsOut(BaseModel):
    id: str
    name: str
    date_created: str
    date_modified: str
    content_date_modified: str
    version: str
    created_by: MemberOut
    metadata: dict[str, Any]
    tokens: list[TokenOut]
    fields: list[TemplateFieldOut]
    roles: list[RoleOut]
    tags: list[str]
    pricing: dict[str, Any]
    tables: list[Any]
    images: list[Any]
    content_placeholders: list[Any]


def _item(t: Template) -> TemplateListItemOut:
    return TemplateListItemOut(
        id=short_id(t.id),
        name=t.name,
        date_created=pt(t.created_at) or "",
        date_modified=pt(t.updated_at) or "",
        version=str(t.version),
    )


@router.get("/templates", response_model=TemplateListOut, responses=errors_of(400, 401, 429))
def list_templates(
    auth: Auth,
    state: State,
    q: str | None = None,
    tag: str | None = None,
    id: str | None = None,  # noqa: A002 - PandaDoc's parameter name
    deleted: bool = False,
    count: Annotated[int, Query(ge=1, le=100)] = 50,
    page: PageNumber = 1,
) -> JSONBytes:
    """List templates, newest first. `q` matches part of the name; `tag` one tag exactly;
    `deleted=true` lists deleted templates. Stop paging on a short page."""
    flt = repository.TemplateFilter(name=q, tag=tag, deleted=deleted, template_id=id)
    with state.db.read() as session:
        rows, _ = repository.page(
            session,
            repository.list_query(session, auth.workspace_id, flt),
            page_number=page,
            page_size=count,
        )
        body = TemplateListOut(results=[_item(t) for t in rows])
    return json_response(body)


def _role(t: Template, u: TemplateUser) -> RoleOut:
    person = (
        PreassignedPersonOut(email=u.email, first_name=u.first_name, last_name=u.last_name)
        if u.email
        else None
    )
    ordered = u.designation != "CC" and rules.setting(t.settings or {}, "use_signing_order")
    return RoleOut(
        id=short_id(u.id),
        name=u.role_label,
        signing_order=str(u.order) if ordered else None,
        preassigned_person=person,
    )


def _field(f: TemplateField, sizes: list[Any], users: dict[str, TemplateUser]) -> TemplateFieldOut:
    ox, oy, w, h = to_points(
        f.x, f.y, f.width, f.height, page_size(sizes, f.page_number) or (612.0, 792.0)
    )
    user = users.get(f.template_user_id or "")
    return TemplateFieldOut(
        uuid=f.id,
        name=f.name or f.variable_name or TYPE_OUT.get(f.type, f.type),
        title=f.name or "",
        placeholder=(f.format_rules or {}).get("placeholder"),
        value=f.read_only_value or "",
        field_id=f.variable_name or f.id,
        merge_field=f.variable_name,
        type=TYPE_OUT.get(f.type, f.type),
        assigned_to=RoleRefOut(id=short_id(user.id), name=user.role_label) if user else None,
        layout=FieldLayoutOut(
            page=f.page_number,
            position=FieldPositionOut(offset_x=ox, offset_y=oy),
            style=FieldStyleOut(width=w, height=h),
        ),
    )


@router.get(
    "/templates/{template_id}/details",
    response_model=TemplateDetailsOut,
    responses=errors_of(401, 404, 429),
)
def template_details(template_id: str, auth: Auth, state: State) -> JSONBytes:
    """Everything about a template: its roles (match recipients by `role` when creating a
    document from it), fields in PDF points, tokens (`[Name]` placeholders of its text),
    tags and metadata."""
    with state.db.read() as session:
        t = repository.get_template(session, auth.workspace_id, template_id)
        blob = repository.template_blob(session, t)
        users = {u.id: u for u in t.users}
        body = TemplateDetailsOut(
            id=short_id(t.id),
            name=t.name,
            date_created=pt(t.created_at) or "",
            date_modified=pt(t.updated_at) or "",
            content_date_modified=pt(t.updated_at) or "",
            version=str(t.version),
            created_by=member_out(session, t.created_by_key_id, None),
            metadata=t.metadata_ or {},
            tokens=[TokenOut(name=n, value="") for n in t.tokens],
            fields=[_field(f, blob.page_sizes if blob else [], users) for f in t.fields],
            roles=[_role(t, u) for u in t.users if u.designation != "CC"],
            tags=list(t.tags or []),
            pricing={},
            tables=[],
            images=[],
            content_placeholders=[],
        )
        data = body.model_dump(mode="json")
    for role in data["roles"]:
        if role.get("preassigned_person") is None:
            role.pop("preassigned_person", None)
    return json_response(data)


_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary", "description": "The PDF"},
                        "data": {"type": "string", "description": "JSON: {name, tags, metadata}"},
                    },
                }
            }
        },
    }
}


def _data(raw: Any) -> TemplateDataIn:
    if raw is None:
        return TemplateDataIn()
    refuse_huge_structure(raw if isinstance(raw, bytes) else str(raw).encode())
    try:
        return TemplateDataIn.model_validate(orjson.loads(raw))
    except orjson.JSONDecodeError:
        raise ValidationFailed([("data", "is not valid JSON")]) from None
    except ValidationError as exc:
        raise ValidationFailed(pydantic_problems(list(exc.errors()))) from None


@router.post(
    "/templates",
    status_code=201,
    response_model=TemplateListItemOut,
    openapi_extra=_UPLOAD_BODY,
    # A JSON body (a template built from content) is refused with 501.
    responses=errors_of(400, 401, 429, 501),
)
async def create_template(request: Request, auth: Auth, state: State) -> JSONBytes:
    """Create a template from an uploaded PDF (`?upload`, multipart parts `file` and `data`).
    `[Token.Name]` placeholders in its text become the template's tokens. Add roles and
    fields on the Firma face (`PUT /templates/{id}`) — the same template."""
    content_type = request.headers.get("content-type", "").lower()
    if content_type.startswith("application/json"):
        # Upstream builds a template from JSON content; Signet only from an uploaded PDF.
        raise NotImplementedRoute(
            "Not implemented in Signet: POST /public/v1/templates from "
            "JSON; upload the PDF as multipart with ?upload"
        )
    if not content_type.startswith("multipart/form-data"):
        raise ValidationFailed(
            [("body", "send multipart/form-data with the PDF as the part 'file'")]
        )
    form = await request.form(max_files=2, max_fields=20, max_part_size=4 * 1024 * 1024)
    raw = form.get("data")
    data = _data(await raw.read() if isinstance(raw, UploadFile) else raw)
    file = form.get("file")
    if not isinstance(file, UploadFile):
        raise ValidationFailed(
            [("file", "This field is required: send the PDF as the multipart part 'file'")]
        )
    pdf = await file.read()
    if len(pdf) > state.settings.max_upload_bytes:
        raise PayloadTooLarge(
            f"The file is larger than {state.settings.max_upload_bytes // (1024 * 1024)} MB"
        )
    name = (
        data.name
        or (file.filename or "").rsplit("/", 1)[-1].removesuffix(".pdf")
        or "Untitled template"
    )
    actor = auth.actor(request)

    def work() -> TemplateListItemOut:
        with transaction(state.db.write) as session:
            # The shared intake: checked first (nothing written when it is not a usable PDF).
            document = creation.read_document(
                session, auth.workspace_id, DocumentSource(pdf=pdf, loc="file")
            )
            assert document is not None  # bytes were given
            blob = creation.store_document(session, state.store, document)
            spec = DraftSpec(name=name[:255], metadata=data.metadata)
            template, _ = service.create_template(
                session,
                state,
                workspace_id=auth.workspace_id,
                actor=actor,
                spec=spec,
                blob=blob,
                tags=data.tags,
                tokens=token_names(creation.document_bytes(state.store, document)),
                test=auth.test,
            )
            return _item(template)

    return json_response(await run_in_threadpool(work), 201)


@router.delete("/templates/{template_id}", status_code=204, responses=errors_of(401, 404, 429))
def delete_template(template_id: str, request: Request, auth: Auth, state: State) -> JSONBytes:
    """Delete a template. Documents created from it are not affected."""
    with transaction(state.db.write) as session:
        t = repository.get_template(session, auth.workspace_id, template_id, for_update=True)
        service.delete_template(session, state, t, auth.actor(request))
    return JSONBytes(b"", status_code=204)
