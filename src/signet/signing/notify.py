"""What each state change sets off: emails to recipients and webhook events. Called by the
domain service inside the change's transaction, so the jobs commit with the change or not at all.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from signet.context import AppContext
from signet.jobs.queue import enqueue
from signet.models import Recipient, SigningRequest
from signet.signing import rules
from signet.webhooks.events import emit
from signet.webhooks.payloads import request_payloads

# What notifications and views need from the running app (links are absolute and signed).
Env = AppContext


def event(
    session: Session, env: Env, request: SigningRequest, event_type: str, **extra: Any
) -> None:
    firma, pandadoc = request_payloads(env, request, extra)
    emit(
        session,
        workspace_id=request.workspace_id,
        event_type=event_type,
        firma_data=firma,
        pandadoc_data=pandadoc,
        signing_request_id=request.id,
    )


def email(
    session: Session,
    request: SigningRequest,
    email_type: str,
    recipient: Recipient | None = None,
    *,
    to: str | None = None,
    extra: dict[str, Any] | None = None,
) -> None:
    """Queue one email; the job id seeds its Message-ID, so a retry is recognisable."""
    if request.settings.get("silent"):
        return
    enqueue(
        session,
        "email.send",
        {
            "email_type": email_type,
            "signing_request_id": request.id,
            "recipient_id": recipient.id if recipient else None,
            "to": to,
            "extra": extra or {},
        },
    )


def on_sent(
    session: Session,
    env: Env,
    request: SigningRequest,
    notified: list[Recipient],
    message: str | None = None,
    *,
    subject: str | None = None,
) -> list[str]:
    """Invite the first step (with the sender's message and subject, if any), schedule expiry
    and reminders; returns warnings."""
    warnings: list[str] = []
    if rules.setting(request.settings, "send_signing_email"):
        for r in notified:
            email(
                session,
                request,
                "signing_invite",
                r,
                extra={"custom_message": message, "subject": subject},
            )
    assert request.expires_at is not None
    enqueue(
        session,
        "request.expire",
        {"signing_request_id": request.id},
        run_at=request.expires_at,
        dedupe_key=f"expire:{request.id}",
    )
    for reminder in request.reminders:
        at = request.expires_at - timedelta(hours=reminder.hours)
        if request.sent_at and at <= request.sent_at:
            warnings.append(f"reminder {reminder.id}: already due at send time, skipped")
            continue
        enqueue(
            session,
            "reminder.fire",
            {"reminder_id": reminder.id},
            run_at=at,
            dedupe_key=f"reminder:{reminder.id}",
        )
    event(session, env, request, "signing_request.sent")
    return warnings


def on_cancelled(session: Session, env: Env, request: SigningRequest, notify: bool) -> int:
    count = 0
    if notify and rules.setting(request.settings, "send_cancellation_email"):
        for r in request.recipients:
            if r.acts and r.sent_at is None:
                continue  # never invited: nothing to cancel for them
            email(session, request, "signing_cancelled", r)
            count += 1
    event(session, env, request, "signing_request.cancelled", reason=request.cancel_reason)
    return count


def on_resent(
    session: Session,
    env: Env,
    request: SigningRequest,
    targets: list[Recipient],
    message: str | None,
    *,
    subject: str | None = None,
    event_type: str = "signing_request.resent",
) -> None:
    for r in targets:
        email(
            session,
            request,
            "resend_notification",
            r,
            extra={"custom_message": message, "subject": subject},
        )
    event(session, env, request, event_type)


def on_expired(
    session: Session, env: Env, request: SigningRequest, team_email: str | None, when: datetime
) -> None:
    if rules.setting(request.settings, "send_expiration_email"):
        for r in request.recipients:
            if r.acts and r.finished_at is None and r.sent_at is not None:
                email(session, request, "signing_expired", r)
        if team_email:
            email(session, request, "signing_expired", to=team_email)
    event(session, env, request, "signing_request.expired", expired_at=when.isoformat())
