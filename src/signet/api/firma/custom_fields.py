"""Firma: custom field definitions of a workspace, a template and a signing request.

A field refers to a definition by ``variable_defined_name``; a workspace definition with a
preset value fills read-only fields of that name in requests made from templates, and a request
made from a template gets copies of the template's definitions.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body
from pydantic import BaseModel, Field
from pydantic.json_schema import JsonDict
from sqlalchemy.orm import Session

from signet.api.auth import AuthContext
from signet.api.deps import Auth, State
from signet.api.firma.schemas_in import FirmaIn
from signet.api.openapi import errors_of
from signet.api.responses import JSONBytes, json_response
from signet.context import AppContext
from signet.db import transaction
from signet.errors import NotFound
from signet.kit.ids import parse_uuid
from signet.kit.timefmt import firma_time as ft
from signet.models import CustomFieldDefinition
from signet.signing import repository as requests
from signet.templates import custom_fields as domain
from signet.templates import repository as templates

router = APIRouter(tags=["Custom fields"])


# What signet.templates.custom_fields checks, declared (its messages stay the answer).
_LABEL: JsonDict = {"minLength": 1, "maxLength": 100, "pattern": r"\S"}
_PRESET: JsonDict = {"maxLength": 500}


class CustomFieldCreate(FirmaIn):
    field_label: str = Field(
        description="Display label, 1–100 characters", json_schema_extra=_LABEL
    )
    field_name: str | None = Field(
        default=None,
        description="Machine name (≤ 50); made from the label when omitted",
        json_schema_extra={"pattern": domain.NAME_PATTERN},
    )
    is_preset: bool = Field(default=False, description="Workspace only: fill with a preset")
    preset_value: str | None = Field(
        default=None, description="At most 500 characters", json_schema_extra=_PRESET
    )


class CustomFieldUpdate(FirmaIn):
    field_label: str | None = Field(default=None, json_schema_extra=_LABEL)
    is_preset: bool | None = None
    preset_value: str | None = Field(default=None, json_schema_extra=_PRESET)


class CustomFieldOut(BaseModel):
    id: str
    field_name: str
    field_label: str
    is_preset: bool
    preset_value: str | None
    copied_from_template: bool
    created_at: str
    updated_at: str


class CustomFieldList(BaseModel):
    custom_fields: list[CustomFieldOut]


class DeletedOut(BaseModel):
    message: str


def _out(row: CustomFieldDefinition) -> CustomFieldOut:
    return CustomFieldOut(
        id=row.id,
        field_name=row.field_name,
        field_label=row.field_label,
        is_preset=row.is_preset,
        preset_value=row.preset_value,
        copied_from_template=row.copied_from_template,
        created_at=ft(row.created_at) or "",
        updated_at=ft(row.updated_at) or "",
    )


def _owner(session: Session, auth: AuthContext, scope: str, owner_id: str) -> str:
    """The canonical owner id, if it belongs to the key's workspace (else 404)."""
    if scope == "workspace":
        if parse_uuid(owner_id) != auth.workspace_id:
            raise NotFound("Workspace not found")
        return auth.workspace_id
    if scope == "template":
        return templates.get_template(session, auth.workspace_id, owner_id).id
    return requests.get_request(session, auth.workspace_id, owner_id).id


def _list(state: AppContext, auth: AuthContext, scope: str, owner_id: str) -> JSONBytes:
    with state.db.read() as session:
        owner = _owner(session, auth, scope, owner_id)
        rows = templates.custom_fields(session, scope, owner)
        body = CustomFieldList(custom_fields=[_out(r) for r in rows])
    return json_response(body)


def _create(
    state: AppContext, auth: AuthContext, scope: str, owner_id: str, body: CustomFieldCreate
) -> JSONBytes:
    with transaction(state.db.write) as session:
        owner = _owner(session, auth, scope, owner_id)
        row = domain.create_definition(
            session,
            workspace_id=auth.workspace_id,
            scope=scope,
            owner_id=owner,
            field_label=body.field_label,
            field_name=body.field_name,
            is_preset=body.is_preset and scope == "workspace",
            preset_value=body.preset_value if scope == "workspace" else None,
        )
        out = _out(row)
    return json_response(out, 201)


def _delete(
    state: AppContext, auth: AuthContext, scope: str, owner_id: str, field_id: str
) -> JSONBytes:
    with transaction(state.db.write) as session:
        owner = _owner(session, auth, scope, owner_id)
        domain.delete_definition(
            session, templates.get_custom_field(session, scope, owner, field_id)
        )
    return json_response(DeletedOut(message="Custom field deleted successfully"))


_READ = errors_of(401, 404)
_WRITE = errors_of(400, 401, 404, 409)


@router.get(
    "/workspace/{workspace_id}/custom-fields", response_model=CustomFieldList, responses=_READ
)
def list_workspace_fields(workspace_id: str, auth: Auth, state: State) -> JSONBytes:
    """The workspace's custom field definitions."""
    return _list(state, auth, "workspace", workspace_id)


@router.post(
    "/workspace/{workspace_id}/custom-fields",
    status_code=201,
    response_model=CustomFieldOut,
    responses=_WRITE,
)
def create_workspace_field(
    workspace_id: str, auth: Auth, state: State, body: Annotated[CustomFieldCreate, Body()]
) -> JSONBytes:
    """Define a custom field for the workspace. With `is_preset`, `preset_value` fills
    read-only fields whose `variable_defined_name` is this name when no other value is given.
    A name already used here → 409 `DUPLICATE_NAME`."""
    return _create(state, auth, "workspace", workspace_id, body)


@router.put(
    "/workspace/{workspace_id}/custom-fields/{field_id}",
    response_model=CustomFieldOut,
    responses=_WRITE,
)
def update_workspace_field(
    workspace_id: str,
    field_id: str,
    auth: Auth,
    state: State,
    body: Annotated[CustomFieldUpdate, Body()],
) -> JSONBytes:
    """Change a workspace custom field's label or preset (its name stays)."""
    with transaction(state.db.write) as session:
        owner = _owner(session, auth, "workspace", workspace_id)
        row = templates.get_custom_field(session, "workspace", owner, field_id)
        domain.update_definition(
            session,
            row,
            field_label=body.field_label,
            is_preset=body.is_preset,
            preset_value=body.preset_value,
        )
        out = _out(row)
    return json_response(out)


@router.delete(
    "/workspace/{workspace_id}/custom-fields/{field_id}", response_model=DeletedOut, responses=_READ
)
def delete_workspace_field(workspace_id: str, field_id: str, auth: Auth, state: State) -> JSONBytes:
    """Delete a workspace custom field definition (fields naming it keep their values)."""
    return _delete(state, auth, "workspace", workspace_id, field_id)


@router.get(
    "/templates/{template_id}/custom-fields", response_model=CustomFieldList, responses=_READ
)
def list_template_fields(template_id: str, auth: Auth, state: State) -> JSONBytes:
    """The template's custom field definitions (copied to every request made from it)."""
    return _list(state, auth, "template", template_id)


@router.post(
    "/templates/{template_id}/custom-fields",
    status_code=201,
    response_model=CustomFieldOut,
    responses=_WRITE,
)
def create_template_field(
    template_id: str, auth: Auth, state: State, body: Annotated[CustomFieldCreate, Body()]
) -> JSONBytes:
    """Define a custom field for the template; a name already used here → 409."""
    return _create(state, auth, "template", template_id, body)


@router.delete(
    "/templates/{template_id}/custom-fields/{field_id}", response_model=DeletedOut, responses=_READ
)
def delete_template_field(template_id: str, field_id: str, auth: Auth, state: State) -> JSONBytes:
    """Delete a template custom field definition."""
    return _delete(state, auth, "template", template_id, field_id)


@router.get(
    "/signing-requests/{signing_request_id}/custom-fields",
    response_model=CustomFieldList,
    responses=_READ,
)
def list_request_fields(signing_request_id: str, auth: Auth, state: State) -> JSONBytes:
    """The signing request's custom field definitions (`copied_from_template` when they came
    from its template)."""
    return _list(state, auth, "signing_request", signing_request_id)


@router.post(
    "/signing-requests/{signing_request_id}/custom-fields",
    status_code=201,
    response_model=CustomFieldOut,
    responses=_WRITE,
)
def create_request_field(
    signing_request_id: str, auth: Auth, state: State, body: Annotated[CustomFieldCreate, Body()]
) -> JSONBytes:
    """Define a custom field for the signing request; a name already used here → 409."""
    return _create(state, auth, "signing_request", signing_request_id, body)


@router.delete(
    "/signing-requests/{signing_request_id}/custom-fields/{field_id}",
    response_model=DeletedOut,
    responses=_READ,
)
def delete_request_field(
    signing_request_id: str, field_id: str, auth: Auth, state: State
) -> JSONBytes:
    """Delete a signing request custom field definition."""
    return _delete(state, auth, "signing_request", signing_request_id, field_id)
