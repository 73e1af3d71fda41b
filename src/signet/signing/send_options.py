"""Send with PandaDoc's options (``POST /documents/{id}/send``): ``silent`` (no email of any
kind for this document: invites, reminders, completion), a ``subject`` and ``message`` for
the invitations, and ``reply_to``, the Reply-To of every email of this document. The send
itself and its rules are ``service.send``'s."""

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
    reply_to: str | None = None,
) -> list[Recipient]:
    """Send the draft; returns the recipients notified now."""
    service.require_sendable(request)
    settings = {
        k: v for k, v in (request.settings or {}).items() if k not in ("silent", "reply_to")
    }
    if silent:
        settings["silent"] = True
    if reply_to:
        settings["reply_to"] = reply_to
    request.settings = settings
    return service.send(
        session,
        env,
        request,
        actor,
        message=message,
        subject=subject.strip() if subject and subject.strip() else None,
    )
