"""Jobs of the signing domain: expiry at ``expires_at`` (and a periodic sweep behind it),
reminders, finalisation."""

from __future__ import annotations

from signet.audit.service import record_event
from signet.context import AppContext
from signet.db import transaction
from signet.jobs.queue import Claimed
from signet.jobs.registry import job_handler, periodic
from signet.models.base import utcnow
from signet.signing import notify, repository, service
from signet.signing.specs import SYSTEM
from signet.signing.states import RequestState, effective_state


def expire_request(ctx: AppContext, request_id: str) -> bool:
    with transaction(ctx.db.write) as session:
        request = repository.lock_request(session, request_id)
        if request is None:
            return False
        team = repository.team_email(session, request.workspace_id)
        return service.expire_if_due(session, ctx, request, SYSTEM, team_email=team)


@job_handler("request.expire")
def expire_job(ctx: AppContext, job: Claimed) -> None:
    """Runs at expires_at; a request extended since then is simply not due yet."""
    expire_request(ctx, job.payload["signing_request_id"])


@periodic("signing.sweep_expired")
def sweep_expired(ctx: AppContext, limit: int = 500) -> int:
    """Store every lazy expiry the scheduled jobs have not (e.g. a job that was lost)."""
    with ctx.db.read() as session:
        ids = repository.lapsed_request_ids(session, limit)
    return sum(expire_request(ctx, rid) for rid in ids)


@job_handler("reminder.fire")
def fire_reminder(ctx: AppContext, job: Claimed) -> None:
    """Email the pending recipients of the active step (or the named one), once."""
    with transaction(ctx.db.write) as session:
        reminder = repository.find_reminder(session, job.payload["reminder_id"])
        if reminder is None or reminder.sent_at is not None:
            return
        request = repository.lock_request(session, reminder.signing_request_id)
        if request is None or effective_state(request) != RequestState.IN_PROGRESS:
            return
        step = service.active_step(request)
        targets = [r for r in step if reminder.all_users or r.id == reminder.recipient_id]
        reminder.sent_at = utcnow()
        record_event(
            session,
            request,
            "reminder_sent",
            SYSTEM,
            details={"reminder_id": reminder.id, "recipients": [r.id for r in targets]},
        )
        notify.on_resent(
            session,
            ctx,
            request,
            targets,
            reminder.message,
            subject=reminder.subject,
            event_type="signing_request.reminder.sent",
        )


@job_handler("request.finalize")
def finalize_job(ctx: AppContext, job: Claimed) -> None:
    """Stamp, certify and seal a completed request (idempotent)."""
    from signet.signing.finalize import finalize_request

    finalize_request(ctx, job.payload["signing_request_id"])
