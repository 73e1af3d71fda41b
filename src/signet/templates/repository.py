"""All SQL of the template domain: loading templates for a workspace or company, listing them,
a template's stored PDF, and custom field definitions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from signet.errors import NotFound
from signet.kit.ids import parse_uuid
from signet.models import Blob, CustomFieldDefinition, Template, Workspace


def get_template(
    session: Session,
    workspace_id: str,
    template_id: str,
    *,
    for_update: bool = False,
    include_deleted: bool = False,
) -> Template:
    """The template, if it exists in this workspace; another workspace's id is not found."""
    canonical = parse_uuid(template_id)
    if canonical is None:
        raise NotFound("Template not found")
    stmt = select(Template).where(Template.id == canonical, Template.workspace_id == workspace_id)
    if for_update:
        stmt = stmt.with_for_update()
    template = session.scalars(stmt).first()
    if template is None or (template.deleted_at is not None and not include_deleted):
        raise NotFound("Template not found")
    return template


def find_in_company(session: Session, company_id: str, template_id: str) -> Template | None:
    """A live template of any workspace of the company (for copy and duplicate checks)."""
    canonical = parse_uuid(template_id)
    if canonical is None:
        return None
    return session.scalars(
        select(Template)
        .join(Workspace, Workspace.id == Template.workspace_id)
        .where(
            Template.id == canonical,
            Workspace.company_id == company_id,
            Template.deleted_at.is_(None),
        )
    ).first()


def company_workspace(session: Session, company_id: str, workspace_id: str) -> Workspace:
    canonical = parse_uuid(workspace_id)
    workspace = session.get(Workspace, canonical) if canonical else None
    if workspace is None or workspace.company_id != company_id:
        raise NotFound("Workspace not found")
    return workspace


@dataclass
class TemplateFilter:
    name: str | None = None
    tag: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    deleted: bool = False
    template_id: str | None = None


SORT_COLUMNS = {
    "name": Template.name,
    "created_on": Template.created_at,
    "last_changed_on": Template.updated_at,
}


def list_query(session: Session, workspace_id: str, flt: TemplateFilter) -> Select[Any]:
    stmt = select(Template).where(Template.workspace_id == workspace_id)
    stmt = stmt.where(
        Template.deleted_at.is_not(None) if flt.deleted else Template.deleted_at.is_(None)
    )
    if flt.name:
        stmt = stmt.where(func.lower(Template.name).contains(flt.name.lower(), autoescape=True))
    if flt.created_after:
        stmt = stmt.where(Template.created_at >= flt.created_after)
    if flt.created_before:
        stmt = stmt.where(Template.created_at < flt.created_before)
    if flt.template_id:
        stmt = stmt.where(Template.id == (parse_uuid(flt.template_id) or ""))
    if flt.tag:
        # Tags are a small JSON list per template: matched exactly in Python, portably.
        rows = session.execute(
            select(Template.id, Template.tags).where(Template.workspace_id == workspace_id)
        ).all()
        stmt = stmt.where(Template.id.in_([tid for tid, tags in rows if flt.tag in (tags or [])]))
    return stmt


def page(
    session: Session,
    stmt: Select[Any],
    *,
    sort_by: str = "created_on",
    descending: bool = True,
    page_number: int = 1,
    page_size: int = 50,
) -> tuple[list[Template], int]:
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    column = SORT_COLUMNS.get(sort_by, Template.created_at)
    order = column.desc() if descending else column.asc()
    tie = Template.id.desc() if descending else Template.id.asc()
    rows = session.scalars(
        stmt.order_by(order, tie).offset((page_number - 1) * page_size).limit(page_size)
    ).all()
    return list(rows), total


def template_blob(session: Session, template: Template) -> Blob | None:
    """The stored PDF under the template's fields; None while it has none."""
    return session.get(Blob, template.document_sha256) if template.document_sha256 else None


def custom_fields(session: Session, scope: str, owner_id: str) -> list[CustomFieldDefinition]:
    return list(
        session.scalars(
            select(CustomFieldDefinition)
            .where(CustomFieldDefinition.scope == scope, CustomFieldDefinition.owner_id == owner_id)
            .order_by(CustomFieldDefinition.created_at, CustomFieldDefinition.id)
        ).all()
    )


def custom_field_id_named(session: Session, scope: str, owner_id: str, name: str) -> str | None:
    """The id of the owner's custom field definition called ``name``, if there is one."""
    return session.scalars(
        select(CustomFieldDefinition.id).where(
            CustomFieldDefinition.scope == scope,
            CustomFieldDefinition.owner_id == owner_id,
            CustomFieldDefinition.field_name == name,
        )
    ).first()


def get_custom_field(
    session: Session, scope: str, owner_id: str, field_id: str
) -> CustomFieldDefinition:
    canonical = parse_uuid(field_id)
    row = session.get(CustomFieldDefinition, canonical) if canonical else None
    if row is None or row.scope != scope or row.owner_id != owner_id:
        raise NotFound("Custom field not found")
    return row
