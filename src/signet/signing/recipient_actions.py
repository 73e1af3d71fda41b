"""What a recipient does on the signing page: view, accept the consent, sign, decline.

Every action locks the request row (SQLite: the write lock), re-reads its state and writes its
audit event, emails and webhook events in the same transaction. The last signature completes the
request and queues its finalisation exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from signet.audit.service import record_event
from signet.errors import Conflict, IllegalTransition, NotFound, ValidationFailed
from signet.jobs.queue import enqueue
from signet.models import Recipient, SigningRequest
from signet.models.base import utcnow
from signet.signing import conditions, notify, repository, rules
from signet.signing.service import active_step, pending_recipients
from signet.signing.specs import Actor
from signet.signing.states import NO_SIGNING_PAGE, RequestState, effective_state
from signet.signing.transitions import COMPLETE, COMPLETE_BY_HAND, DECLINE, transition
from signet.signing.values import MARK_PROBLEM, normalise_value, png_data_uri_ok

# What the page shows a recipient.
SIGNABLE, WAITING, DONE, VIEW_ONLY, CLOSED = "signable", "waiting", "done", "view_only", "closed"


def load_for_recipient(
    session: Session, recipient_id: str, *, for_update: bool = False
) -> tuple[SigningRequest, Recipient]:
    """A recipient's link (their id) → their request (locked ``for_update``) and them."""
    found = repository.request_of_recipient(session, recipient_id, for_update=for_update)
    if found is None or found[0].state in NO_SIGNING_PAGE:
        raise NotFound("Signing link not found")
    return found


def page_state(request: SigningRequest, recipient: Recipient) -> str:
    if effective_state(request) != RequestState.IN_PROGRESS:
        return CLOSED
    if not recipient.acts:
        return VIEW_ONLY
    if recipient.finished_at is not None:
        return DONE
    if recipient not in active_step(request):
        return WAITING
    return SIGNABLE


def actor_for(recipient: Recipient, ip: str | None, user_agent: str | None) -> Actor:
    return Actor(
        type="recipient",
        id=recipient.id,
        name=recipient.name,
        email=recipient.email,
        ip_address=ip,
        user_agent=user_agent,
    )


def record_view(
    session: Session, env: notify.Env, request: SigningRequest, recipient: Recipient, actor: Actor
) -> bool:
    """First view by this recipient: audited, and the request becomes viewed."""
    if recipient.viewed_at is not None or page_state(request, recipient) == CLOSED:
        return False
    now = utcnow()
    recipient.viewed_at = now
    first_for_request = not request.viewed
    request.viewed = True
    record_event(session, request, "viewed", actor, recipient_id=recipient.id)
    notify.event(
        session,
        env,
        request,
        "signing_request.viewed",
        recipient={"id": recipient.id, "name": recipient.name, "email": recipient.email},
        first_view_of_request=first_for_request,
    )
    return True


def accept_consent(
    session: Session, request: SigningRequest, recipient: Recipient, actor: Actor, consent_text: str
) -> None:
    if recipient.consent_at is not None:
        return
    recipient.consent_at = utcnow()
    recipient.consent_ip = actor.ip_address
    recipient.consent_user_agent = actor.user_agent
    record_event(
        session,
        request,
        "consent_accepted",
        actor,
        recipient_id=recipient.id,
        details={"text": consent_text},
    )


def require_signable(
    request: SigningRequest, recipient: Recipient, *, refusal: str | None = None
) -> None:
    """The recipient may sign now: the request is in progress and it is their turn. Refused
    with why not, or with ``refusal`` (the signing page's own words for its other actions)."""
    state = page_state(request, recipient)
    if state == SIGNABLE:
        return
    if refusal is None:
        refusal = {
            CLOSED: f"This document is {effective_state(request).replace('_', ' ')} and can no "
            "longer be signed",
            WAITING: "It is not your turn to sign yet",
            DONE: "You have already completed this document",
            VIEW_ONLY: "You receive a copy of this document and do not sign it",
        }[state]
    # A closed request refuses by its state; the others are about the recipient's turn.
    error = IllegalTransition if state == CLOSED else Conflict
    raise error(refusal, code="NOT_SIGNABLE")


@dataclass
class Submission:
    values: dict[str, Any]
    signature: str | None = None  # PNG data URI
    signature_kind: str | None = None  # drawn | typed | uploaded
    signature_text: str | None = None
    initials: str | None = None
    initials_text: str | None = None


def my_fields(request: SigningRequest, recipient: Recipient) -> list[Any]:
    return [f for f in request.fields if f.recipient_id == recipient.id and not f.read_only]


def finish(
    session: Session,
    env: notify.Env,
    request: SigningRequest,
    recipient: Recipient,
    actor: Actor,
    sub: Submission,
    *,
    today: str | None = None,
) -> bool:
    """Store the recipient's values and mark them finished; True when this completed the
    request (its finalisation job is queued in the same transaction)."""
    require_signable(request, recipient)
    # Consent to do business electronically comes before any signature, on every page and
    # every face (require_terms_acceptance adds the workspace's own terms on top of it).
    if recipient.consent_at is None:
        raise ValidationFailed([("consent", "accept the consent to sign electronically first")])
    problems: list[tuple[str, str]] = []
    fields = my_fields(request, recipient)
    values: dict[str, str | None] = {f.id: f.value for f in request.fields}
    new: dict[str, str | None] = {}
    for f in fields:
        if f.id in sub.values:
            value, problem = normalise_value(f, sub.values[f.id])
            if problem:
                problems.append((f"values.{f.id}", problem))
            new[f.id] = value
        elif f.type in ("date", "approval_date") and f.date_signing_default and not f.value:
            new[f.id] = today or utcnow().date().isoformat()
        else:
            new[f.id] = f.value
    values.update(new)
    # Radio groups: exactly one member of a group may be true.
    groups: dict[str, list[str]] = {}
    for f in fields:
        if f.type == "radio_buttons" and f.multi_group_id:
            groups.setdefault(f.multi_group_id, []).append(f.id)
    for gid, ids in groups.items():
        chosen = [i for i in ids if values.get(i) == "true"]
        if len(chosen) > 1:
            problems.append((f"group.{gid}", "choose only one option"))
    needs_mark = {"signature": False, "initial": False}
    for f in fields:
        visible = conditions.is_visible(f, values)
        if not visible:
            values[f.id] = new[f.id] = None
            continue
        required = conditions.is_required(f, values)
        if f.type == "radio_buttons" and f.multi_group_id:
            if required and not any(values.get(i) == "true" for i in groups[f.multi_group_id]):
                problems.append((f"values.{f.id}", "choose one option"))
            continue
        if f.type in ("signature", "approval_signature"):
            needs_mark["signature"] |= required or bool(values.get(f.id))
            if required and not (values.get(f.id) or sub.signature or recipient.signature_image):
                problems.append((f"values.{f.id}", "a signature is required"))
            continue
        if f.type == "initial":
            needs_mark["initial"] |= required or bool(values.get(f.id))
            if required and not (values.get(f.id) or sub.initials or recipient.initials_image):
                problems.append((f"values.{f.id}", "initials are required"))
            continue
        filled = values.get(f.id) not in (None, "") and not (
            f.type in ("checkbox", "approval_checkmark") and values.get(f.id) == "false"
        )
        if required and not filled:
            problems.append((f"values.{f.id}", "is required"))
    if sub.signature is not None:
        if not png_data_uri_ok(sub.signature):
            problems.append(("signature", MARK_PROBLEM))
        elif sub.signature_kind not in ("drawn", "typed", "uploaded"):
            problems.append(("signature_kind", "must be drawn, typed or uploaded"))
        elif sub.signature_kind != "drawn" and rules.setting(request.settings, "hand_drawn_only"):
            problems.append(("signature", "this document accepts hand-drawn signatures only"))
    if sub.initials is not None and not png_data_uri_ok(sub.initials):
        problems.append(("initials", MARK_PROBLEM))
    if problems:
        raise ValidationFailed(problems)
    now = utcnow()
    if sub.signature is not None:
        recipient.signature_image = sub.signature
        recipient.signature_kind = sub.signature_kind
        recipient.signature_text = sub.signature_text if sub.signature_kind == "typed" else None
    if sub.initials is not None:
        recipient.initials_image = sub.initials
        recipient.initials_text = sub.initials_text
    for f in fields:
        if (
            f.type in ("signature", "approval_signature")
            and (needs_mark["signature"] and recipient.signature_image)
            or f.type == "initial"
            and needs_mark["initial"]
            and recipient.initials_image
        ):
            f.value = "signed" if conditions.is_visible(f, values) else None
        else:
            f.value = new.get(f.id)
    recipient.finished_at = now
    recipient.ip_address = actor.ip_address
    recipient.user_agent = actor.user_agent
    request.last_signing_action_at = now
    request.updated_at = now
    record_event(
        session,
        request,
        "signed",
        actor,
        recipient_id=recipient.id,
        details={"fields": [f.id for f in fields], "signature_kind": recipient.signature_kind},
    )
    who = {
        "id": recipient.id,
        "name": recipient.name,
        "email": recipient.email,
        "designation": recipient.designation,
        "order": recipient.order,
    }
    notify.event(session, env, request, "signing_request.field.completed", recipient=who)
    notify.event(
        session,
        env,
        request,
        "signing_request.recipient.signed",
        recipient=who,
        action_by={
            "email": recipient.email,
            "first_name": recipient.first_name,
            "last_name": recipient.last_name,
        },
        action_date=now.isoformat(),
    )
    if not pending_recipients(request):
        complete(session, env, request, actor, now)
        return True
    _advance(session, request, now)
    return False


def _advance(session: Session, request: SigningRequest, now: datetime) -> None:
    """With signing order, invite the next step once the current one is done."""
    if not rules.setting(request.settings, "use_signing_order"):
        return
    for r in active_step(request):
        if r.sent_at is None:
            r.sent_at = now
            if rules.setting(request.settings, "send_signing_email"):
                notify.email(session, request, "next_signer", r)


def complete(
    session: Session,
    env: notify.Env,
    request: SigningRequest,
    actor: Actor,
    now: datetime,
    *,
    manual: bool = False,
) -> None:
    transition(session, request, COMPLETE_BY_HAND if manual else COMPLETE)
    request.finished_at = now
    request.updated_at = now
    record_event(session, request, "completed", actor, details={"manual": manual})
    enqueue(
        session,
        "request.finalize",
        {"signing_request_id": request.id},
        dedupe_key=f"finalize:{request.id}",
    )
    notify.event(session, env, request, "signing_request.completed")


def decline(
    session: Session,
    env: notify.Env,
    request: SigningRequest,
    recipient: Recipient,
    actor: Actor,
    reason: str,
) -> None:
    require_signable(request, recipient)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed([("reason", "tell the sender why you decline")])
    if len(reason) > 1000:
        raise ValidationFailed([("reason", "at most 1000 characters")])
    now = utcnow()
    recipient.declined_at = now
    recipient.decline_reason = reason
    transition(session, request, DECLINE)
    request.declined_at = now
    request.decline_reason = reason
    request.updated_at = now
    request.last_signing_action_at = now
    record_event(
        session, request, "declined", actor, recipient_id=recipient.id, details={"reason": reason}
    )
    for r in request.recipients:
        if r.id != recipient.id and (r.sent_at is not None or not r.acts):
            notify.email(
                session,
                request,
                "signing_declined",
                r,
                extra={"decliner_name": recipient.name, "decline_reason": reason},
            )
    team = repository.team_email(session, request.workspace_id)
    if team:
        notify.email(
            session,
            request,
            "signing_declined_admin",
            to=team,
            extra={"decliner_name": recipient.name, "decline_reason": reason},
        )
    who = {"id": recipient.id, "name": recipient.name, "email": recipient.email}
    notify.event(
        session, env, request, "signing_request.recipient.declined", recipient=who, reason=reason
    )
    notify.event(session, env, request, "signing_request.declined", recipient=who, reason=reason)
