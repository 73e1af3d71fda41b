"""Template webhook events: ``template.created/updated/deleted/used/field.added`` (Firma) and
``template_created/updated/deleted`` (PandaDoc), with the template in each face's shape."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from signet.kit.ids import short_id
from signet.kit.timefmt import pandadoc_time
from signet.models import Template
from signet.webhooks.events import emit


def firma_template_data(env: Any, template: Template, extra: dict[str, Any]) -> dict[str, Any]:
    from signet.api.firma.template_serializers import template_out

    data = template_out(env, template, ttl=3600).model_dump(mode="json")
    data["metadata"] = template.metadata_ or {}
    data["deleted"] = template.deleted_at is not None
    data.update({k: v for k, v in extra.items() if v is not None})
    return data


def pandadoc_template_data(template: Template) -> dict[str, Any]:
    return {
        "id": short_id(template.id),
        "name": template.name,
        "date_created": pandadoc_time(template.created_at),
        "date_modified": pandadoc_time(template.updated_at),
        "version": str(template.version),
        "roles": [
            {
                "id": short_id(u.id),
                "name": u.role_label,
                "signing_order": str(u.order) if u.designation != "CC" else None,
            }
            for u in template.users
        ],
        "tags": list(template.tags or []),
        "metadata": template.metadata_ or {},
        "fields": [
            {
                "uuid": f.id,
                "name": f.name or f.variable_name or f.type,
                "field_id": f.variable_name or f.id,
                "type": f.type,
            }
            for f in template.fields
        ],
        "tokens": [{"name": t, "value": ""} for t in template.tokens or []],
    }


def template_event(
    session: Session, env: Any, template: Template, event_type: str, **extra: Any
) -> None:
    """Record one template event in the caller's transaction (outbox, fanned out to webhooks)."""
    emit(
        session,
        workspace_id=template.workspace_id,
        event_type=event_type,
        firma_data=firma_template_data(env, template, extra),
        pandadoc_data=pandadoc_template_data(template),
    )
