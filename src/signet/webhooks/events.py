"""Emit domain events into the outbox and fan them out to subscribed webhooks, all in the
caller's transaction (so an event exists exactly when its state change does)."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy.orm import Session

from signet.jobs.queue import enqueue
from signet.kit.timefmt import firma_time
from signet.models import Webhook, WebhookDelivery, WebhookEvent
from signet.models.base import utcnow
from signet.webhooks import repository
from signet.workspaces.repository import workspace_by_id

# Aliases: a subscriber to the alias receives the event under the alias, with the same id.
FIRMA_ALIASES = {
    "signing_request.field.completed": ["signing_request.field.filled"],
    "signing_request.recipient.signed": ["signing_request.signed"],
    "signing_request.cancelled": ["signing_request.voided"],
}

# Core event → the PandaDoc triggers it fires.
PANDADOC_TRIGGERS = {
    "signing_request.sent": ["document_state_changed"],
    "signing_request.viewed": ["document_state_changed"],
    "signing_request.completed": ["document_state_changed"],
    "signing_request.cancelled": ["document_state_changed"],
    "signing_request.expired": ["document_state_changed"],
    "signing_request.declined": ["document_state_changed"],
    "signing_request.draft": ["document_state_changed"],
    "signing_request.recipient.signed": ["recipient_completed"],
    "signing_request.updated": ["document_updated"],
    "signing_request.deleted": ["document_deleted"],
    "signing_request.creation_failed": ["document_creation_failed"],
    "signing_request.certificate.generated": ["document_completed_pdf_ready"],
    "template.created": ["template_created"],
    "template.updated": ["template_updated"],
    "template.deleted": ["template_deleted"],
}


def _names_for(webhook: Webhook, event_type: str) -> list[str]:
    """The names under which ``webhook`` wants this event (empty: not subscribed)."""
    subscribed = set(webhook.events or [])
    if webhook.format == "pandadoc":
        return [t for t in PANDADOC_TRIGGERS.get(event_type, []) if t in subscribed]
    names = [event_type] + FIRMA_ALIASES.get(event_type, [])
    return [n for n in names if n in subscribed or "*" in subscribed]


def firma_envelope(event: WebhookEvent, name: str) -> bytes:
    return orjson.dumps(
        {
            "id": event.id,
            "type": name,
            "created_at": firma_time(event.created_at),
            "company_id": event.company_id,
            "workspace_id": event.workspace_id,
            "data": event.data.get("firma", {}),
        }
    )


def pandadoc_body(event: WebhookEvent, name: str, webhook: Webhook) -> bytes:
    data = dict(event.data.get("pandadoc", {}))
    options = set(webhook.payload_options or [])
    for key in ("fields", "tokens", "metadata"):
        if key not in options:
            data.pop(key, None)
    return orjson.dumps([{"event": name, "data": data}])


def emit(
    session: Session,
    *,
    workspace_id: str,
    event_type: str,
    firma_data: dict[str, Any],
    pandadoc_data: dict[str, Any] | None = None,
    signing_request_id: str | None = None,
) -> WebhookEvent:
    """Record one event and queue one delivery per subscribed, enabled webhook."""
    workspace = workspace_by_id(session, workspace_id)
    assert workspace is not None
    event = WebhookEvent(
        company_id=workspace.company_id,
        workspace_id=workspace_id,
        type=event_type,
        signing_request_id=signing_request_id,
        data={"firma": firma_data, "pandadoc": pandadoc_data or {}},
        created_at=utcnow(),
    )
    session.add(event)
    ws_settings = workspace.settings or {}
    if ws_settings.get("webhook_enabled") is False:
        return event
    with_company = not ws_settings.get("ignore_company_webhooks")
    hooks = repository.enabled_webhooks_for(
        session, workspace_id, company_id=workspace.company_id if with_company else None
    )
    session.flush()
    for hook in hooks:
        for name in _names_for(hook, event_type):
            body = (
                pandadoc_body(event, name, hook)
                if hook.format == "pandadoc"
                else firma_envelope(event, name)
            )
            delivery = WebhookDelivery(
                event_id=event.id,
                webhook_id=hook.id,
                event_name=name,
                body=body.decode(),
                state="pending",
            )
            session.add(delivery)
            session.flush()
            enqueue(
                session,
                "webhook.deliver",
                {"delivery_id": delivery.id},
                dedupe_key=f"delivery:{delivery.id}",
                max_attempts=10,
            )
    return event
