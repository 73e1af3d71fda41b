"""The signing request's rules: create, send, cancel, resend, delete a draft, store a lazy
expiry, and what a request must be for each. Services flush; the caller commits.

The states and their moves are ``signing.states`` and ``signing.transitions``; every change of
state here goes through ``transitions.transition``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from signet.audit.service import record_event
from signet.errors import Conflict, IllegalTransition, ValidationFailed
from signet.models import Blob, Field, Recipient, SigningRequest
from signet.models.base import utcnow
from signet.signing import identity, notify, repository, rules
from signet.signing.rows import (
    field_from_spec,
    recipient_from_spec,
    reminder_from_spec,
    resolve_condition_refs,
)
from signet.signing.specs import Actor, DraftSpec
from signet.signing.states import ENDED, RequestState, effective_state, is_lapsed
from signet.signing.transitions import CANCEL, DELETE_DRAFT, EXPIRE, SEND, transition
from signet.signing.validation import check_draft, compact_orders, is_valid_email

S = RequestState


def resolved_settings(given: dict[str, Any], *, document_based: bool) -> dict[str, Any]:
    settings = dict(rules.SETTINGS_DEFAULTS)
    settings.update({k: v for k, v in given.items() if k in rules.SETTINGS_DEFAULTS})
    for key in rules.COMPLETION_KEYS:
        if key in given:
            settings[key] = given[key]
    if document_based:
        # Firma: "allow_editing_before_sending will be set to true automatically".
        settings["allow_editing_before_sending"] = True
    return settings


def create_draft(
    session: Session,
    env: notify.Env,
    *,
    workspace_id: str,
    actor: Actor,
    spec: DraftSpec,
    blob: Blob | None,
    test: bool = False,
    require_signer: bool = True,
    template_id: str | None = None,
) -> tuple[SigningRequest, list[str]]:
    """Create a draft signing request after checking everything; returns it and its warnings."""
    problems, warnings = check_draft(
        spec, blob.page_count if blob else None, test=test, require_signer=require_signer
    )
    if problems:
        raise ValidationFailed(problems)
    settings = resolved_settings(spec.settings, document_based=blob is not None)
    now = utcnow()
    request = SigningRequest(
        workspace_id=workspace_id,
        name=spec.name.strip(),
        description=spec.description,
        state=S.DRAFT.value,
        test=test,
        template_id=template_id,
        document_sha256=blob.sha256 if blob else None,
        page_count=blob.page_count if blob else None,
        expiration_hours=spec.expiration_hours,
        language=spec.language,
        settings=settings,
        metadata_=dict(spec.metadata),
        tags=[],
        created_by_key_id=actor.id if actor.type == "api_key" else None,
        created_at=now,
        updated_at=now,
        # Empty and loaded: a new request's collections need no SELECT when they are filled.
        recipients=[],
        fields=[],
        reminders=[],
    )
    repository.add_request(session, request)
    orders = compact_orders(
        spec.recipients, bool(settings["use_signing_order"]), steps_as_given=spec.steps_as_given
    )
    by_ref: dict[str, Recipient] = {}
    for i, rs in enumerate(spec.recipients):
        recipient = recipient_from_spec(rs, i, orders[i])
        request.recipients.append(recipient)
        if rs.ref:
            by_ref[rs.ref] = recipient
    session.flush()  # recipient ids exist from here on
    for i, fs in enumerate(spec.fields):
        rid = by_ref[fs.recipient_ref].id if fs.recipient_ref else None
        request.fields.append(field_from_spec(fs, i, rid))
    session.flush()
    resolve_condition_refs(request.fields, spec.fields)
    for rm in spec.reminders:
        request.reminders.append(reminder_from_spec(rm, by_ref))
    session.flush()
    record_event(
        session,
        request,
        "created",
        actor,
        details={"name": request.name, "document_sha256": request.document_sha256},
    )
    notify.event(session, env, request, "signing_request.created")
    return request, warnings


NOT_READY_MESSAGE = "Document is still being processed. Try again later."


PROCESSING_FAILED_MESSAGE = "A document whose processing failed cannot be sent; create it again"


class NotReady(IllegalTransition):
    """The document is still ``uploaded`` (PandaDoc's asynchronous create, see
    ``signing.processing``): only reads work until processing ends."""

    status_code = 409
    code = "DOCUMENT_NOT_READY"


def require_processed(request: SigningRequest) -> None:
    if request.state == S.UPLOADED:
        raise NotReady(NOT_READY_MESSAGE, details={"state": S.UPLOADED.value})


def require_draft(
    request: SigningRequest,
    *,
    action: str,
    code: str = "ALREADY_SENT",
    status_code: int = 400,
    refusal: str | None = None,
) -> None:
    """Only a processed draft may change, from either face; ``refusal`` is a face's own wording
    of the refusal. A document whose processing failed is not a draft: it can be reverted to
    one, or deleted."""
    require_processed(request)
    if request.state == S.DRAFT:
        return
    if refusal is None and request.state == S.ERROR:
        raise IllegalTransition(
            f"Cannot {action}: the document's processing failed; revert it to draft or create "
            "it again",
            status_code=status_code,
        )
    raise IllegalTransition(
        refusal or f"Cannot {action}: the signing request has already been sent",
        code=code,
        status_code=status_code,
    )


def acting_recipients(request: SigningRequest) -> list[Recipient]:
    return [r for r in request.recipients if r.acts]


def pending_recipients(request: SigningRequest) -> list[Recipient]:
    return [
        r for r in acting_recipients(request) if r.finished_at is None and r.declined_at is None
    ]


def active_step(request: SigningRequest) -> list[Recipient]:
    """Who may act now: the lowest pending order with signing order, else every pending one."""
    pending = pending_recipients(request)
    if not pending or not rules.setting(request.settings, "use_signing_order"):
        return pending
    first = min(r.order for r in pending)
    return [r for r in pending if r.order == first]


def send_problems(request: SigningRequest) -> list[tuple[str, str]]:
    """Every reason the request cannot be sent now (docs/compat/firma.md#send-checks)."""
    problems: list[tuple[str, str]] = []
    if request.document_sha256 is None:
        problems.append(("document", "a document must be attached before sending"))
    acting = acting_recipients(request)
    if not any(r.designation == "Signer" for r in request.recipients):
        problems.append(("recipients", "at least one Signer is required"))
    ids = {r.id for r in acting}
    for i, r in enumerate(request.recipients):
        if not r.acts:
            if r.email and not is_valid_email(r.email):
                problems.append((f"recipients[{i}].email", "Invalid email"))
            continue
        if not r.first_name:
            problems.append((f"recipients[{i}].first_name", "is required"))
        if not r.email or not is_valid_email(r.email):
            problems.append((f"recipients[{i}].email", "a valid email is required"))
    for i, f in enumerate(request.fields):
        if f.recipient_id is not None and f.recipient_id not in ids:
            problems.append((f"fields[{i}].recipient_id", "points at a CC or unknown recipient"))
        if f.read_only and f.required and not field_prefill(request, f):
            problems.append((f"fields[{i}]", "required read-only field has no value"))
    return problems


def field_prefill(request: SigningRequest, f: Field) -> str | None:
    """The value of a read-only field: read_only_value, then prefilled_data, then variable data."""
    if f.read_only_value not in (None, ""):
        return f.read_only_value
    recipient = next((r for r in request.recipients if r.id == f.recipient_id), None)
    if f.prefilled_data and recipient is not None:
        key = f.prefilled_data
        if key == "full_name":
            return recipient.name or None
        if key in rules.PREFILL_KEYS:
            value = getattr(recipient, key, None)
            return str(value) if value else None
        custom = recipient.custom_fields.get(key)
        return str(custom) if custom not in (None, "") else None
    if f.variable_name:
        value = (request.metadata_ or {}).get(f.variable_name)
        return str(value) if value not in (None, "") else None
    return None


def require_sendable(request: SigningRequest) -> None:
    """Only a processed draft can be sent, from either face: not one that has ended, is still
    being processed, failed processing (it must be created again) or was sent already."""
    state = effective_state(request)
    if state in ENDED:
        raise IllegalTransition(f"Cannot send a {state} signing request")
    require_processed(request)
    if state == S.ERROR:
        raise IllegalTransition(PROCESSING_FAILED_MESSAGE, status_code=400)
    require_draft(request, action="send")


def send(
    session: Session,
    env: notify.Env,
    request: SigningRequest,
    actor: Actor,
    *,
    message: str | None = None,
    subject: str | None = None,
    warnings: list[str] | None = None,
) -> list[Recipient]:
    """Move a draft to in progress, invite the first step, schedule expiry and reminders;
    returns the recipients notified now."""
    require_sendable(request)
    problems = send_problems(request) + identity.send_problems(env, request)
    if problems:
        raise ValidationFailed(problems)
    now = utcnow()
    transition(session, request, SEND)
    request.sent_at = now
    request.updated_at = now
    request.expires_at = now + timedelta(hours=request.expiration_hours)
    to_notify = active_step(request)
    for r in to_notify:
        r.sent_at = now
    record_event(
        session,
        request,
        "sent",
        actor,
        details={
            "expires_at": request.expires_at.isoformat(),
            "notified": [r.id for r in to_notify],
        },
    )
    more = notify.on_sent(session, env, request, to_notify, message, subject=subject)
    if warnings is not None:
        warnings.extend(more)
    return to_notify


def cancel(
    session: Session,
    env: notify.Env,
    request: SigningRequest,
    actor: Actor,
    *,
    reason: str | None,
    notify_recipients: bool,
) -> int:
    """Cancel an in-progress request; returns how many cancellation emails were queued."""
    state = effective_state(request)
    if not CANCEL.allows(state):
        raise IllegalTransition(
            f"Only an in-progress signing request can be cancelled (it is {state})"
        )
    now = utcnow()
    transition(session, request, CANCEL)
    request.cancelled_at = now
    request.updated_at = now
    request.cancel_reason = reason
    record_event(
        session,
        request,
        "cancelled",
        actor,
        details={"reason": reason, "notify_signers": notify_recipients},
    )
    return notify.on_cancelled(session, env, request, notify_recipients)


def resend(
    session: Session,
    env: notify.Env,
    request: SigningRequest,
    actor: Actor,
    recipient_ids: list[str],
    message: str | None,
) -> list[Recipient]:
    """Re-notify recipients now; each must be pending and in the active step."""
    if effective_state(request) != S.IN_PROGRESS:
        raise IllegalTransition("Only an in-progress signing request can be resent")
    step = {r.id for r in active_step(request)}
    by_id = {r.id: r for r in request.recipients}
    invalid = [rid for rid in recipient_ids if rid not in step]
    if invalid:
        current = min((r.order for r in active_step(request)), default=None)
        raise Conflict(
            "Some recipients cannot be reminded now: they are not pending in the current step",
            code="RESEND_NOT_ALLOWED",
            details={
                "current_order": current,
                "invalid_recipients": [
                    {
                        "id": rid,
                        "email": by_id[rid].email if rid in by_id else None,
                        "order": by_id[rid].order if rid in by_id else None,
                    }
                    for rid in invalid
                ],
            },
        )
    targets = [by_id[rid] for rid in dict.fromkeys(recipient_ids)]
    record_event(
        session,
        request,
        "resent",
        actor,
        details={"recipients": [r.id for r in targets], "custom_message": message},
    )
    identity.unlock(session, request, targets, actor)  # the sender's resend unlocks codes
    notify.on_resent(session, env, request, targets, message)
    return targets


def delete_draft(
    session: Session, env: notify.Env, request: SigningRequest, actor: Actor
) -> datetime:
    require_processed(request)
    if not DELETE_DRAFT.allows(request.state):
        raise IllegalTransition(
            "Cannot delete: the signing request has already been sent", code="ALREADY_SENT"
        )
    now = utcnow()
    transition(session, request, DELETE_DRAFT)
    request.deleted_at = now
    request.updated_at = now
    record_event(session, request, "deleted", actor)
    notify.event(session, env, request, "signing_request.deleted")
    return now


def expire_if_due(
    session: Session,
    env: notify.Env,
    request: SigningRequest,
    actor: Actor,
    *,
    team_email: str | None = None,
) -> bool:
    """Store a lazy expiry; True when this call did it, so its emails and webhooks fire once."""
    if is_lapsed(request.state, request.expires_at, utcnow()):
        assert request.expires_at is not None
        transition(session, request, EXPIRE)
        request.expired_at = request.expires_at
        request.updated_at = utcnow()
        record_event(session, request, "expired", actor)
        notify.on_expired(session, env, request, team_email, request.expires_at)
        return True
    return False
