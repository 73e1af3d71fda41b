"""Template webhook events: ``template.created/updated/deleted/used/field.added`` (Firma) and
``template_created/updated/deleted`` (PandaDoc), with the template in each face's shape (as the
faces registered it in ``webhooks.payloads``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from signet.context import AppContext
from signet.models import Template
from signet.webhooks.events import emit
from signet.webhooks.payloads import template_payloads


def template_event(
    session: Session, env: AppContext, template: Template, event_type: str, **extra: Any
) -> None:
    """Record one template event in the caller's transaction (outbox, fanned out to webhooks)."""
    firma, pandadoc = template_payloads(env, template, extra)
    emit(
        session,
        workspace_id=template.workspace_id,
        event_type=event_type,
        firma_data=firma,
        pandadoc_data=pandadoc,
    )
