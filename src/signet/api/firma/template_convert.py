"""Translate Firma bodies into the template domain's descriptions: template-based creates
(overrides), anchor tags, and template users/fields/reminders."""

from __future__ import annotations

from typing import Any

from signet.api.firma import schemas_in as fin
from signet.api.firma import template_schemas as tin
from signet.api.firma.convert import field_spec, recipient_spec, settings_with_completion
from signet.signing.anchors import FIELD_KEYS, AnchorSpec
from signet.signing.specs import PERSON_ATTRS, DraftSpec, FieldSpec, ReminderSpec
from signet.signing.validation import normalise_designation
from signet.templates.using import FieldOverride, PersonOverride, TemplateUse

Problems = list[tuple[str, str]]
# What a field override may change (Firma: "Supported override properties"), flat or nested.
_OVERRIDABLE = (
    "type",
    "required",
    "read_only",
    "read_only_value",
    "format_rules",
    "validation_rules",
    "dropdown_options",
    "date_default",
    "date_signing_default",
    "multi_group_id",
    "background_color",
)


def template_use(body: fin.SigningRequestCreate, problems: Problems) -> TemplateUse:
    """A template-based create: recipients and fields are overrides of the template's."""
    sent = body.model_fields_set
    people = []
    for i, r in enumerate(body.recipients):
        given = set(r.model_fields_set) & set(PERSON_ATTRS)
        cc = "designation" in r.model_fields_set and normalise_designation(r.designation) == "CC"
        people.append(
            PersonOverride(
                loc=f"recipients[{i}]",
                person=recipient_spec(r),
                given=given,
                template_user_id=r.template_user_id,
                order=r.order,
                cc=cc,
            )
        )
    fields = [_field_override(f, f"fields[{i}]", problems) for i, f in enumerate(body.fields)]
    if body.anchor_tags:
        problems.append(
            (
                "anchor_tags",
                "anchor tags are for document-based creation only; "
                "a template's fields are already placed",
            )
        )
    return TemplateUse(
        name=body.name or None,
        description=body.description,
        has_description="description" in sent,
        expiration_hours=body.expiration_hours if "expiration_hours" in sent else None,
        settings=settings_with_completion(body, body.settings),
        language=body.language if "language" in sent else None,
        metadata=dict(body.metadata),
        recipients=people,
        fields=fields,
    )


def _field_override(f: fin.FieldIn, loc: str, problems: Problems) -> FieldOverride:
    given = f.model_fields_set
    changes: dict[str, Any] = {k: getattr(f, k) for k in _OVERRIDABLE if k in given}
    if "final_value" in given and "read_only_value" not in given:
        changes["read_only_value"] = f.final_value
    if (
        "dropdown_options" not in given
        and isinstance(f.model_extra, dict)
        and ("options" in f.model_extra)
    ):
        changes["dropdown_options"] = f.model_extra["options"]
    pos = f.position
    for key in ("x", "y", "width", "height"):
        value = (
            getattr(pos, key)
            if pos is not None and key in pos.model_fields_set
            else (getattr(f, key) if key in given else None)
        )
        if value is not None:
            changes[key] = value
    page = f.page_number if "page_number" in given else (f.page if "page" in given else None)
    if page is not None:
        changes["page_number"] = page
    if "recipient_id" in given:
        problems.append(
            (
                f"{loc}.recipient_id",
                "a template field keeps its template user; match recipients with template_user_id",
            )
        )
    return FieldOverride(
        loc=loc,
        template_field_id=f.template_field_id or f.id,
        variable_name=f.variable_name,
        variable_defined_name=f.variable_defined_name,
        changes=changes,
    )


def anchor_specs(tags: list[fin.AnchorTagIn]) -> list[AnchorSpec]:
    out = []
    for t in tags:
        given = t.model_fields_set
        out.append(
            AnchorSpec(
                anchor_string=t.anchor_string,
                type=t.type,
                recipient_ref=t.recipient_id,
                x_offset=t.x_offset,
                y_offset=t.y_offset,
                offset_units=t.offset_units,
                width=t.width,
                height=t.height,
                case_sensitive=t.case_sensitive,
                match_whole_word=t.match_whole_word,
                ignore_if_not_present=t.ignore_if_not_present,
                occurrence=t.occurrence,
                remove_anchor_text=t.remove_anchor_text,
                add_white_background=t.add_white_background,
                font_size=t.font_size,
                field={
                    k: getattr(t, k)
                    for k in FIELD_KEYS
                    if k in given or k in ("required", "read_only")
                },
            )
        )
    return out


def template_field_spec(f: tin.TemplateFieldIn, loc: str, problems: Problems) -> FieldSpec | None:
    """A template field: the request field shape, plus Firma's template spellings (flat
    ``x, y, width, height, page``, ``assigned_to_user_id``, ``options``,
    ``default_to_signing_date``)."""
    data = f.model_dump(exclude_unset=True)
    if f.assigned_to_user_id is not None or "assigned_to_user_id" in f.model_fields_set:
        data["recipient_id"] = f.assigned_to_user_id
    if f.options is not None:
        data["dropdown_options"] = f.options
    if f.default_to_signing_date is not None:
        data["date_signing_default"] = f.default_to_signing_date
    for key in ("assigned_to_user_id", "options", "default_to_signing_date", "template_field_id"):
        data.pop(key, None)
    fs = field_spec(fin.FieldIn.model_validate(data), loc, problems)
    if fs is not None:
        fs.ref = f.id
    return fs


def template_reminder_spec(
    m: tin.TemplateReminderIn, loc: str, problems: Problems
) -> ReminderSpec | None:
    if m.hours is None:
        problems.append((f"{loc}.hours", "is required (hours after sending)"))
        return None
    return ReminderSpec(
        hours=m.hours,
        all_users=m.all_users,
        recipient_ref=m.user_id or m.template_user_id or m.recipient_id,
        subject=m.subject,
        message=m.message,
    )


def template_spec(body: tin.TemplateCreate, problems: Problems) -> DraftSpec:
    users = []
    for u in body.users or body.recipients:
        spec = recipient_spec(u)
        spec.role = u.role
        users.append(spec)
    fields = [template_field_spec(f, f"fields[{i}]", problems) for i, f in enumerate(body.fields)]
    reminders = [
        template_reminder_spec(m, f"reminders[{i}]", problems) for i, m in enumerate(body.reminders)
    ]
    return DraftSpec(
        name=body.name or "",
        description=body.description,
        expiration_hours=body.expiration_hours,
        settings=settings_with_completion(body, body.settings),
        language=body.language,
        metadata=dict(body.metadata),
        recipients=users,
        fields=[f for f in fields if f is not None],
        reminders=[m for m in reminders if m is not None],
    )
