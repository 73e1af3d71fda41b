"""Rows built from specs: a request's recipients, fields and reminders as a face described
them (``specs``), with the defaults the domain fills in. Templates build their fields here too."""

from __future__ import annotations

from collections.abc import Sequence

from signet.models import Field, Recipient, Reminder, TemplateField
from signet.models.base import utcnow
from signet.signing import rules
from signet.signing.specs import FieldSpec, RecipientSpec, ReminderSpec
from signet.signing.validation import normalise_designation, normalise_type


def recipient_from_spec(spec: RecipientSpec, position: int, order: int) -> Recipient:
    return Recipient(
        position=position,
        first_name=(spec.first_name or "").strip(),
        last_name=(spec.last_name or "").strip(),
        email=(spec.email or "").strip(),
        phone_number=spec.phone_number,
        designation=normalise_designation(spec.designation) or "Signer",
        role=spec.role,
        order=order,
        street_address=spec.street_address,
        city=spec.city,
        state_province=spec.state_province,
        postal_code=spec.postal_code,
        country=spec.country,
        title=spec.title,
        company=spec.company,
        custom_fields=dict(spec.custom_fields or {}),
    )


def field_from_spec(spec: FieldSpec, position: int, recipient_id: str | None) -> Field:
    ftype = normalise_type(spec.type) or spec.type
    dw, dh = rules.DEFAULT_SIZES.get(ftype, (20.0, 3.0))
    if ftype in ("text_area",):
        dw, dh = rules.DEFAULT_SIZES["text"]
    return Field(
        position=position,
        type=ftype,
        recipient_id=recipient_id,
        page_number=spec.page_number,
        x=spec.x,
        y=spec.y,
        width=spec.width if spec.width is not None else min(dw, 100 - spec.x),
        height=spec.height if spec.height is not None else min(dh, 100 - spec.y),
        required=spec.required,
        read_only=spec.read_only or ftype == "url",
        read_only_value=spec.read_only_value,
        prefilled_data=spec.prefilled_data,
        variable_name=spec.variable_name,
        variable_defined_name=spec.variable_defined_name,
        name=spec.name,
        dropdown_options=spec.dropdown_options,
        format_rules=spec.format_rules,
        date_default=spec.date_default,
        date_signing_default=spec.date_signing_default,
        multi_group_id=spec.multi_group_id,
        required_conditions=spec.required_conditions,
        visibility_conditions=spec.visibility_conditions,
        validation_rules=spec.validation_rules,
        background_color=spec.background_color,
    )


def resolve_condition_refs(fields: Sequence[Field | TemplateField], specs: list[FieldSpec]) -> None:
    """Conditions name fields by the client's own ids; store them by the fields' real ids
    (a request's fields or a template's)."""
    ref_to_id = {fs.ref: f.id for f, fs in zip(fields, specs, strict=True) if fs.ref}
    if not ref_to_id:
        return
    for f in fields:
        for attr in ("required_conditions", "visibility_conditions"):
            block = getattr(f, attr)
            if not block:
                continue
            groups = [
                {
                    **g,
                    "conditions": [
                        {**c, "field_id": ref_to_id.get(c.get("field_id"), c.get("field_id"))}
                        for c in g.get("conditions", [])
                    ],
                }
                for g in block.get("groups", [])
            ]
            setattr(f, attr, {**block, "groups": groups})


def reminder_from_spec(spec: ReminderSpec, by_ref: dict[str, Recipient]) -> Reminder:
    now = utcnow()
    return Reminder(
        hours=spec.hours,
        all_users=spec.all_users,
        recipient_id=by_ref[spec.recipient_ref].id if spec.recipient_ref else None,
        subject=spec.subject,
        message=spec.message,
        created_at=now,
        updated_at=now,
    )
