"""Translate templates into the Firma face's response shapes."""

from __future__ import annotations

from typing import Any

from signet.api.firma import template_schemas as tout
from signet.api.firma.schemas_out import RequiredReadOnlyField
from signet.context import AppContext
from signet.kit.content_disposition import download_name
from signet.kit.links import file_link
from signet.kit.timefmt import firma_time as ft
from signet.models import Template, TemplateField, TemplateReminder, TemplateUser
from signet.signing import rules
from signet.templates.readiness import readiness


def settings_out(settings: dict[str, Any]) -> tout.TemplateSettingsOut:
    merged = {**rules.SETTINGS_DEFAULTS, **settings}
    values = {k: merged.get(k) for k in tout.TemplateSettingsOut.model_fields}
    for key in ("completion_title", "completion_message", "completion_redirect_url"):
        values[key] = settings.get(key)
    values["completion_redirect_delay"] = settings.get("completion_redirect_delay", 5)
    return tout.TemplateSettingsOut.model_validate(values)


def _pdf_name(name: str) -> str:
    return download_name(name, default="template")


def user_out(template: Template, u: TemplateUser) -> tout.TemplateUserOut:
    ready = readiness(template, u)
    return tout.TemplateUserOut(
        id=u.id,
        name=u.name,
        email=u.email,
        first_name=u.first_name,
        last_name=u.last_name,
        designation=u.designation,
        order=u.order,
        role=u.role_label,
        phone_number=u.phone_number,
        street_address=u.street_address,
        city=u.city,
        state_province=u.state_province,
        postal_code=u.postal_code,
        country=u.country,
        title=u.title,
        company=u.company,
        custom_fields=u.custom_fields or {},
        required_fields=ready.required_fields,
        missing_fields=ready.missing_fields,
        required_read_only_fields=[
            RequiredReadOnlyField(**x) for x in ready.required_read_only_fields
        ],
        ready_to_send=ready.ready_to_send,
    )


def field_out(f: TemplateField) -> tout.TemplateFieldOut:
    return tout.TemplateFieldOut(
        id=f.id,
        type=f.type,
        required=f.required,
        recipient_id=f.template_user_id,
        template_user_id=f.template_user_id,
        variable_name=f.variable_name,
        variable_defined_name=f.variable_defined_name,
        name=f.name,
        position=tout.TemplatePosition(x=f.x, y=f.y, width=f.width, height=f.height),
        page_number=f.page_number,
        dropdown_options=f.dropdown_options,
        multi_group_id=f.multi_group_id,
        date_default=f.date_default,
        date_signing_default=f.date_signing_default,
        format_rules=f.format_rules,
        validation_rules=f.validation_rules,
        read_only=f.read_only,
        read_only_value=f.read_only_value,
        prefilled_data=f.prefilled_data,
        required_conditions=f.required_conditions,
        visibility_conditions=f.visibility_conditions,
        background_color=f.background_color,
    )


def reminder_out(m: TemplateReminder) -> tout.TemplateReminderOut:
    created, updated = ft(m.created_at) or "", ft(m.updated_at) or ""
    return tout.TemplateReminderOut(
        id=m.id,
        hours=m.hours,
        subject=m.subject,
        message=m.message,
        all_users=m.all_users,
        template_user_id=m.template_user_id,
        recipient_id=m.template_user_id,
        sent_on=None,
        created_at=created,
        updated_at=updated,
        created_date=created,
        updated_date=updated,
    )


def _item_values(env: AppContext, t: Template, ttl: int) -> dict[str, Any]:
    url = expires = None
    if t.document_sha256:
        url, when = file_link(env.base_url, env.secret, t.document_sha256, _pdf_name(t.name), ttl)
        expires = ft(when)
    return dict(
        id=t.id,
        name=t.name,
        description=t.description,
        document_url=url,
        document_url_expires_at=expires,
        page_count=t.page_count,
        expiration_hours=t.expiration_hours,
        credit_cost=1,
        settings=settings_out(t.settings or {}),
        language=t.language,
        tags=list(t.tags or []),
        created_date=ft(t.created_at) or "",
        updated_date=ft(t.updated_at) or "",
    )


def list_item_out(env: AppContext, t: Template, ttl: int) -> tout.TemplateListItem:
    return tout.TemplateListItem(**_item_values(env, t, ttl))


def template_out(env: AppContext, t: Template, ttl: int) -> tout.TemplateOut:
    return tout.TemplateOut(
        **_item_values(env, t, ttl),
        recipients=[user_out(t, u) for u in t.users],
        fields=[field_out(f) for f in t.fields],
    )
