"""Copy a template to another workspace of the same company (Firma ``POST …/copy``)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from signet.models import CustomFieldDefinition, Template
from signet.models.base import utcnow
from signet.signing import notify
from signet.signing.specs import Actor
from signet.templates import repository
from signet.templates.service import create_template, spec_from_template


def copy_template(
    session: Session,
    env: notify.Env,
    template: Template,
    *,
    workspace_id: str,
    name: str | None,
    actor: Actor,
) -> Template:
    """A deep copy (users, fields, reminders, custom field definitions, the same PDF) in
    another workspace of the company."""
    spec = spec_from_template(template)
    spec.name = name or f"{template.name} (copy)"
    # Fresh rows: refs become temp ids so conditions and assignments follow the copy.
    temp = {
        ref: f"temp_{i}"
        for i, ref in enumerate([r.ref for r in spec.recipients] + [f.ref for f in spec.fields])
    }
    for r in spec.recipients:
        r.ref = temp[r.ref]
    for f in spec.fields:
        f.ref = temp[f.ref]
        f.recipient_ref = temp.get(f.recipient_ref, f.recipient_ref)
        for attr in ("required_conditions", "visibility_conditions"):
            block = getattr(f, attr)
            if block:
                setattr(
                    f,
                    attr,
                    {
                        **block,
                        "groups": [
                            {
                                **g,
                                "conditions": [
                                    {
                                        **c,
                                        "field_id": temp.get(c.get("field_id"), c.get("field_id")),
                                    }
                                    for c in g.get("conditions", [])
                                ],
                            }
                            for g in block.get("groups", [])
                        ],
                    },
                )
    for m in spec.reminders:
        m.recipient_ref = temp.get(m.recipient_ref, m.recipient_ref)
    blob = repository.template_blob(session, template)
    copy, _ = create_template(
        session,
        env,
        workspace_id=workspace_id,
        actor=actor,
        spec=spec,
        blob=blob,
        tags=list(template.tags or []),
        tokens=list(template.tokens or []),
    )
    now = utcnow()
    for d in repository.custom_fields(session, "template", template.id):
        session.add(
            CustomFieldDefinition(
                workspace_id=workspace_id,
                scope="template",
                owner_id=copy.id,
                field_name=d.field_name,
                field_label=d.field_label,
                is_preset=d.is_preset,
                preset_value=d.preset_value,
                created_at=now,
                updated_at=now,
            )
        )
    session.flush()
    return copy
