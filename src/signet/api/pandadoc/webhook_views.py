"""The PandaDoc face's view of documents and templates for webhook ``data`` and embed events."""

from __future__ import annotations

from typing import Any

from signet.api.pandadoc.status import pandadoc_status
from signet.context import AppContext
from signet.kit.ids import short_id
from signet.kit.links import signing_link
from signet.kit.timefmt import pandadoc_time
from signet.models import SigningRequest, Template
from signet.webhooks.payloads import FaceViews


def request_data(env: AppContext, request: SigningRequest, extra: dict[str, Any]) -> dict[str, Any]:
    recipients = []
    for r in request.recipients:
        recipients.append(
            {
                "id": short_id(r.id),
                "first_name": r.first_name,
                "last_name": r.last_name,
                "email": r.email,
                "recipient_type": {"Approver": "approver", "CC": "CC"}.get(r.designation, "signer"),
                "has_completed": r.finished_at is not None,
                "role": r.role or "",
                "roles": [r.role] if r.role else [],
                "signing_order": r.order if r.acts else None,
                "shared_link": signing_link(env.base_url, r.id),
            }
        )
    data: dict[str, Any] = {
        "id": short_id(request.id),
        "name": request.name,
        "status": pandadoc_status(request),
        "date_created": pandadoc_time(request.created_at),
        "date_modified": pandadoc_time(request.updated_at),
        "date_completed": pandadoc_time(request.finished_at),
        "date_sent": pandadoc_time(request.sent_at),
        "expiration_date": pandadoc_time(request.expires_at),
        "version": str(request.version),
        "recipients": recipients,
        "metadata": request.metadata_ or {},
        "tags": request.tags or [],
        "fields": [
            {
                "uuid": f.id,
                "name": f.name or f.variable_name or f.type,
                "value": f.value,
                "field_id": f.variable_name or f.id,
            }
            for f in request.fields
        ],
        "tokens": [],
    }
    for key in ("action_by", "action_date"):
        if key in extra:
            data[key] = extra[key]
    return data


def template_data(_env: AppContext, template: Template, _extra: dict[str, Any]) -> dict[str, Any]:
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


VIEWS = FaceViews(status=pandadoc_status, request_data=request_data, template_data=template_data)
