"""Custom field definitions: names that fields refer to by ``variable_defined_name``.

Three scopes: workspace (optionally with a preset value that fills read-only fields of that
name), template, and signing request (a request made from a template gets copies of the
template's definitions). A name is unique within its scope.
"""

from __future__ import annotations

import re

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from signet.errors import Conflict, ValidationFailed
from signet.models import CustomFieldDefinition
from signet.models.base import utcnow
from signet.templates import repository

SCOPES = ("workspace", "template", "signing_request")
NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_]{0,49}$"
_NAME = re.compile(NAME_PATTERN)


def name_from_label(label: str) -> str:
    """A machine name made from a label: "Artist name" → "artist_name"."""
    name = re.sub(r"[^a-z0-9]+", "_", label.strip().lower()).strip("_")
    if not name or not name[0].isalpha():
        name = f"field_{name}".rstrip("_")
    return name[:50].rstrip("_")


def _check(label: str | None, name: str | None, preset: str | None) -> list[tuple[str, str]]:
    problems = []
    if label is not None and not 1 <= len(label.strip()) <= 100:
        problems.append(("field_label", "must be 1 to 100 characters"))
    if name is not None and not _NAME.match(name):
        problems.append(
            (
                "field_name",
                "letters, digits and underscores, starting with a letter, at most 50 characters",
            )
        )
    if preset is not None and len(preset) > 500:
        problems.append(("preset_value", "at most 500 characters"))
    return problems


def _duplicate(name: str) -> Conflict:
    return Conflict(f"A custom field named {name!r} already exists here", code="DUPLICATE_NAME")


def create_definition(
    session: Session,
    *,
    workspace_id: str,
    scope: str,
    owner_id: str,
    field_label: str,
    field_name: str | None = None,
    is_preset: bool = False,
    preset_value: str | None = None,
) -> CustomFieldDefinition:
    """Add a definition; 400 on bad input, 409 DUPLICATE_NAME when the name is taken."""
    assert scope in SCOPES
    problems = _check(field_label, field_name, preset_value)
    if problems:
        raise ValidationFailed(problems)
    name = field_name or name_from_label(field_label)
    taken = repository.custom_field_id_named(session, scope, owner_id, name)
    if taken:
        raise _duplicate(name)
    now = utcnow()
    row = CustomFieldDefinition(
        workspace_id=workspace_id,
        scope=scope,
        owner_id=owner_id,
        field_name=name,
        field_label=field_label.strip(),
        is_preset=is_preset,
        preset_value=preset_value if is_preset else None,
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        raise _duplicate(name) from None
    return row


def update_definition(
    session: Session,
    row: CustomFieldDefinition,
    *,
    field_label: str | None = None,
    is_preset: bool | None = None,
    preset_value: str | None = None,
) -> CustomFieldDefinition:
    problems = _check(field_label, None, preset_value)
    if problems:
        raise ValidationFailed(problems)
    if field_label is not None:
        row.field_label = field_label.strip()
    if is_preset is not None:
        row.is_preset = is_preset
    if preset_value is not None:
        row.preset_value = preset_value
    if not row.is_preset:
        row.preset_value = None
    row.updated_at = utcnow()
    session.flush()
    return row


def delete_definition(session: Session, row: CustomFieldDefinition) -> None:
    session.delete(row)
    session.flush()
