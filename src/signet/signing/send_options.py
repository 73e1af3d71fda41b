"""Send with PandaDoc's options (``POST /documents/{id}/send``): ``silent`` (no email of any
kind for this document: invites, reminders, completion), and a ``subject`` and ``message`` for
the invitations. The send itself and its rules are ``service.send``'s."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from signet.errors import Conflict
from signet.models import Job, Recipient, SigningRequest
from signet.signing import notify, service
from signet.signing.processing import require_processed
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
    require_processed(request)
    if request.state == "error":
        raise Conflict(
            "A document whose processing failed cannot be sent; create it again",
            code="INVALID_STATE",
            status_code=400,
        )
    settings = {k: v for k, v in (request.settings or {}).items() if k != "silent"}
    if silent:
        settings["silent"] = True
    request.settings = settings
    notified = service.send(session, env, request, actor, message=message)
    if subject and subject.strip():
        _subject_on_invites(session, request, subject.strip())
    return notified


def _subject_on_invites(session: Session, request: SigningRequest, subject: str) -> None:
    """Give the invitation emails this send just queued the client's subject line."""
    session.flush()
    queued = session.scalars(
        select(Job).where(
            Job.kind == "email.send",
            Job.state == "pending",
            Job.created_at >= request.sent_at,
        )
    ).all()
    for job in queued:
        payload = dict(job.payload or {})
        if (
            payload.get("signing_request_id") == request.id
            and payload.get("email_type") == "signing_invite"
        ):
            payload["extra"] = {**(payload.get("extra") or {}), "subject": subject}
            job.payload = payload
