"""Manual status changes (PandaDoc ``PATCH /documents/{id}/status``) and deleting a document
in any state (PandaDoc ``DELETE /documents/{id}``). See
docs/compat/statuses.md#manual-status-changes; the moves are ``transitions.BY_HAND``.

A manual completion is finalised with the values present at that moment and still gets its
certificate; a manual expiry and a manual decline are audited as such (``details.manual``).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from signet.audit.service import record_event
from signet.errors import IllegalTransition, ValidationFailed
from signet.jobs.queue import cancel_scheduled
from signet.models import SigningRequest
from signet.models.base import utcnow
from signet.signing import notify, repository, service
from signet.signing.recipient_actions import complete
from signet.signing.specs import Actor
from signet.signing.states import UNSENT, RequestState
from signet.signing.transitions import BY_HAND, DECLINE_BY_HAND, DELETE_ENDED, EXPIRE, transition

S = RequestState


class StatusChangeRefused(IllegalTransition):
    status_code = 400
    code = "INVALID_STATUS_CHANGE"


def _team_email(session: Session, request: SigningRequest) -> str | None:
    return repository.team_email(session, request.workspace_id)


def change_status(
    session: Session,
    env: notify.Env,
    request: SigningRequest,
    actor: Actor,
    target: str,
    *,
    note: str | None = None,
    notify_recipients: bool = True,
    from_label: str | None = None,
) -> None:
    """Move the request to ``target`` (completed, expired or declined) by hand."""
    service.require_processed(request)
    move = BY_HAND.get(target)
    if move is None:
        raise ValidationFailed([("status", f"cannot change the status to {target}")])
    # A lazily expired request is stored as expired first, so its events fire once.
    service.expire_if_due(session, env, request, actor, team_email=_team_email(session, request))
    state = request.state
    if not move.allows(state):
        shown = from_label or state
        raise StatusChangeRefused(f"A document in {shown} status cannot be changed to that status")
    if note is not None and len(note) > 1000:
        raise ValidationFailed([("note", "at most 1000 characters")])
    now = utcnow()
    if move.target == S.COMPLETED:
        if request.document_sha256 is None:
            raise ValidationFailed([("status", "the document has no file to complete")])
        # A second completion must produce fresh sealed files.
        request.final_sha256 = request.document_only_sha256 = None
        request.certificate_only_sha256 = None
        request.certificate_generated_at = None
        request.certificate_has_error = False
        cancel_scheduled(session, [f"finalize:{request.id}"])
        complete(session, env, request, actor, now, manual=True)
        return
    if move is EXPIRE:
        transition(session, request, EXPIRE)
        request.expired_at = now
        request.updated_at = now
        record_event(session, request, "expired", actor, details={"manual": True, "note": note})
        if notify_recipients:
            notify.on_expired(session, env, request, _team_email(session, request), now)
        else:
            notify.event(
                session, env, request, "signing_request.expired", expired_at=now.isoformat()
            )
        return
    transition(session, request, DECLINE_BY_HAND)
    request.declined_at = now
    request.decline_reason = note
    request.updated_at = now
    record_event(session, request, "declined", actor, details={"manual": True, "reason": note})
    if notify_recipients:
        for r in request.recipients:
            if r.sent_at is not None or not r.acts:
                notify.email(
                    session,
                    request,
                    "signing_declined",
                    r,
                    extra={"decliner_name": actor.name or "", "decline_reason": note},
                )
    notify.event(session, env, request, "signing_request.declined", reason=note)


def delete_document(
    session: Session, env: notify.Env, request: SigningRequest, actor: Actor
) -> None:
    """Delete in any state: a draft as usual; a sent document is cancelled first, then deleted
    (both audited); a finished one is simply deleted."""
    if request.state in UNSENT:
        service.delete_draft(session, env, request, actor)
        return
    service.expire_if_due(session, env, request, actor, team_email=_team_email(session, request))
    if request.state == S.IN_PROGRESS:
        service.cancel(
            session, env, request, actor, reason="Deleted through the API", notify_recipients=False
        )
    now = utcnow()
    transition(session, request, DELETE_ENDED)
    request.deleted_at = now
    request.updated_at = now
    record_event(session, request, "deleted", actor)
    notify.event(session, env, request, "signing_request.deleted")
