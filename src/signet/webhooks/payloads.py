"""The ``data`` of webhook events, in each face's shape, taken at the moment of the change."""

from __future__ import annotations

from typing import Any

from signet.kit.ids import short_id
from signet.kit.timefmt import pandadoc_time
from signet.models import SigningRequest
from signet.signing.service import effective_state

PANDADOC_STATUS = {
    "uploaded": "document.uploaded",
    "draft": "document.draft",
    "error": "document.error",
    "completed": "document.completed",
    "cancelled": "document.voided",
    "expired": "document.voided",
    "declined": "document.declined",
    "deleted": "document.deleted",
}


def pandadoc_status(request: SigningRequest) -> str:
    state = effective_state(request)
    if state == "in_progress":
        return "document.viewed" if request.viewed else "document.sent"
    return PANDADOC_STATUS.get(state, "document.draft")


def firma_data(env: Any, request: SigningRequest, extra: dict[str, Any]) -> dict[str, Any]:
    from signet.api.firma.serializers import list_item_out

    data = list_item_out(env, request).model_dump(mode="json")
    data["metadata"] = request.metadata_ or {}
    data.update({k: v for k, v in extra.items() if v is not None})
    return data


def pandadoc_data(env: Any, request: SigningRequest, extra: dict[str, Any]) -> dict[str, Any]:
    from signet.kit.links import signing_link

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
