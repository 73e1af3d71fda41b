"""Translate Firma request bodies into the domain's face-neutral specs."""

from __future__ import annotations

from typing import Any

from signet.api.firma import schemas_in as fin
from signet.signing.specs import DraftSpec, FieldSpec, RecipientSpec, ReminderSpec

Problems = list[tuple[str, str]]


def recipient_spec(r: fin.RecipientIn, ref: str | None = None) -> RecipientSpec:
    return RecipientSpec(
        ref=ref if ref is not None else r.id,
        first_name=r.first_name,
        last_name=r.last_name,
        email=r.email,
        designation=r.designation,
        order=r.order,
        phone_number=r.phone_number,
        street_address=r.street_address,
        city=r.city,
        state_province=r.state_province,
        postal_code=r.postal_code,
        country=r.country,
        title=r.title,
        company=r.company,
        custom_fields=dict(r.custom_fields),
    )


def field_spec(f: fin.FieldIn, loc: str, problems: Problems) -> FieldSpec | None:
    pos = f.position
    x = pos.x if pos else f.x
    y = pos.y if pos else f.y
    width = pos.width if pos else f.width
    height = pos.height if pos else f.height
    page = f.page_number if f.page_number is not None else f.page
    missing = False
    if not f.type:
        problems.append((f"{loc}.type", "is required"))
        missing = True
    if x is None or y is None:
        problems.append((f"{loc}.position", "x and y are required"))
        missing = True
    if page is None:
        problems.append((f"{loc}.page_number", "is required"))
        missing = True
    if missing:
        return None
    assert x is not None and y is not None and page is not None and f.type
    return FieldSpec(
        ref=f.id,
        type=f.type,
        page_number=page,
        x=x,
        y=y,
        width=width,
        height=height,
        recipient_ref=f.recipient_id,
        required=f.required,
        read_only=f.read_only,
        read_only_value=f.read_only_value if f.read_only_value is not None else f.final_value,
        prefilled_data=f.prefilled_data,
        variable_name=f.variable_name,
        variable_defined_name=f.variable_defined_name,
        name=f.name,
        dropdown_options=f.dropdown_options,
        format_rules=f.format_rules,
        date_default=f.date_default,
        date_signing_default=f.date_signing_default,
        multi_group_id=f.multi_group_id,
        required_conditions=f.required_conditions,
        visibility_conditions=f.visibility_conditions,
        validation_rules=f.validation_rules,
        background_color=f.background_color,
    )


def reminder_spec(m: fin.ReminderIn, loc: str, problems: Problems) -> ReminderSpec | None:
    hours = m.hours if m.hours is not None else m.hours_before_expiration
    if hours is None:
        problems.append((f"{loc}.hours", "is required"))
        return None
    return ReminderSpec(
        hours=hours,
        all_users=m.all_users,
        recipient_ref=m.recipient_id,
        subject=m.subject,
        message=m.message,
    )


def settings_with_completion(body: Any, settings: dict[str, Any]) -> dict[str, Any]:
    merged = dict(settings)
    for key in (
        "completion_title",
        "completion_message",
        "completion_redirect_url",
        "completion_redirect_delay",
    ):
        value = getattr(body, key, None)
        if value is not None:
            merged[key] = value
    return merged


def draft_spec(body: fin.SigningRequestCreate, problems: Problems) -> DraftSpec:
    fields = [field_spec(f, f"fields[{i}]", problems) for i, f in enumerate(body.fields)]
    reminders = [
        reminder_spec(m, f"reminders[{i}]", problems) for i, m in enumerate(body.reminders)
    ]
    return DraftSpec(
        name=body.name,
        description=body.description,
        expiration_hours=body.expiration_hours,
        settings=settings_with_completion(body, body.settings),
        language=body.language,
        metadata=dict(body.metadata),
        recipients=[recipient_spec(r) for r in body.recipients],
        fields=[f for f in fields if f is not None],
        reminders=[m for m in reminders if m is not None],
    )


def legacy_spec(body: fin.LegacyDocumentCreate) -> DraftSpec:
    recipients = []
    for r in body.recipients:
        first, _, last = r.name.strip().rpartition(" ")
        if not first:
            first, last = last, ""
        recipients.append(RecipientSpec(first_name=first, last_name=last, email=r.email))
    return DraftSpec(
        name=body.name,
        description=body.description,
        expiration_hours=body.expiration_hours,
        settings=dict(body.settings),
        recipients=recipients,
    )
