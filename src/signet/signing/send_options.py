"""Send with PandaDoc's options (``POST /documents/{id}/send``): ``silent`` (no email of any
kind for this document: invites, reminders, completion), and a ``subject`` and ``message`` for
the invitations. The send itself and its rules are ``service.send``'s."""

from __future__ import annotations

from sqlalchemy.orm import Session

from signet.models import Recipient, SigningRequest
from signet.signing import notify, service
from signet.signing.specs import Actor


def send_document(
    session: Session,
    env: notify.Env,
    request: SigningRequest,
    actor: Actor,
    *,
    message: str | None = None,
    subject: str | None = None,
    silent: bool = False,
) -> list[Recipient]:
    """Send the draft; returns the recipients notified now."""
    service.require_sendable(request)
    settings = {k: v for k, v in (request.settings or {}).items() if k != "silent"}
    if silent:
        settings["silent"] = True
    request.settings = settings
    return service.send(
        session,
        env,
        request,
        actor,
        message=message,
        subject=subject.strip() if subject and subject.strip() else None,
    )
