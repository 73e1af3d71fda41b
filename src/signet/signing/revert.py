"""Revert a document to draft (PandaDoc ``POST /documents/{id}/draft``).

Everything signing produced is cleared so the document can be edited and sent again: the
signature and initials values and adopted marks, each recipient's progress, embedded sessions,
and scheduled reminders, expiry and finalisation. Other filled values stay as prefills. The
version goes up by one; no email is sent.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from signet.audit.service import record_event
from signet.errors import ValidationFailed
from signet.jobs.queue import cancel_scheduled
from signet.models import SigningRequest
from signet.models.base import utcnow
from signet.signing import notify, repository
from signet.signing.rescheduling import scheduled_keys
from signet.signing.service import require_processed
from signet.signing.specs import Actor
from signet.signing.states import RequestState, effective_state
from signet.signing.transitions import REVERT, transition

MARK_TYPES = ("signature", "initial", "approval_signature")


def revert_to_draft(
    session: Session, env: notify.Env, request: SigningRequest, actor: Actor
) -> bool:
    """Return the request to draft; False when it already was one (nothing to do)."""
    require_processed(request)
    previous = effective_state(request).value
    if previous == RequestState.DRAFT:
        return False
    if request.document_sha256 is None:
        raise ValidationFailed([("status", "the document has no file; it cannot become a draft")])
    for f in request.fields:
        if f.type in MARK_TYPES:
            f.value = None
    for r in request.recipients:
        r.sent_at = r.viewed_at = r.consent_at = r.finished_at = r.declined_at = None
        r.decline_reason = None
        r.signature_image = r.initials_image = None
        r.signature_kind = r.signature_text = r.initials_text = None
    for m in request.reminders:
        m.sent_at = None
    repository.delete_signing_sessions(session, request.id)
    cancel_scheduled(session, scheduled_keys(request))
    now = utcnow()
    transition(session, request, REVERT)
    request.viewed = False
    request.sent_at = request.expires_at = request.finished_at = None
    request.cancelled_at = request.declined_at = request.expired_at = None
    request.cancel_reason = request.decline_reason = None
    request.final_sha256 = request.document_only_sha256 = request.certificate_only_sha256 = None
    request.certificate_generated_at = None
    request.certificate_has_error = False
    request.version += 1
    request.updated_at = now
    record_event(session, request, "reverted", actor, details={"from": previous})
    notify.event(session, env, request, "signing_request.draft", previous_state=previous)
    notify.event(session, env, request, "signing_request.updated", changed=["status"])
    return True
