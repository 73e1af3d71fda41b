"""Change a document's recipients after creation (PandaDoc's recipient routes,
docs/compat/pandadoc.md#recipients):
add a CC, edit a recipient, remove one, reassign a signer to someone else.

CCs may come and go while a document is live (not once it is declined or voided); Signers and
Approvers may be removed only from a draft, and reassigned only while they have not finished.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from sqlalchemy.orm import Session

from signet.audit.service import record_event
from signet.errors import Conflict, ValidationFailed
from signet.models import Recipient, SigningRequest
from signet.models.base import utcnow
from signet.signing import notify
from signet.signing.service import active_step, require_processed
from signet.signing.specs import Actor
from signet.signing.states import RequestState, effective_state
from signet.signing.validation import is_valid_email

S = RequestState
VOIDED_OR_DECLINED = frozenset({S.DECLINED, S.CANCELLED, S.EXPIRED})
EDITABLE = (
    "email",
    "first_name",
    "last_name",
    "phone_number",
    "company",
    "title",
    "street_address",
    "city",
    "state_province",
    "postal_code",
)


class RecipientChangeRefused(Conflict):
    status_code = 400
    code = "RECIPIENT_CHANGE_REFUSED"


@dataclass
class Person:
    """Who a new or reassigned recipient is."""

    email: str
    first_name: str = ""
    last_name: str = ""
    phone_number: str | None = None
    company: str | None = None
    title: str | None = None


def _check_email(request: SigningRequest, email: str, *, except_id: str | None = None) -> str:
    email = (email or "").strip()
    if not email or not is_valid_email(email):
        raise ValidationFailed([("email", "a valid email is required")])
    if any(r.email.lower() == email.lower() and r.id != except_id for r in request.recipients):
        raise ValidationFailed([("email", "is already a recipient of this document")])
    return email


def _open(request: SigningRequest, action: str) -> str:
    require_processed(request)
    state = effective_state(request)
    if state in VOIDED_OR_DECLINED:
        raise RecipientChangeRefused(f"Cannot {action} on a declined or voided document")
    return state


def _changed(session: Session, env: notify.Env, request: SigningRequest) -> None:
    request.updated_at = utcnow()
    notify.event(session, env, request, "signing_request.updated", changed=["recipients"])


def add_cc(
    session: Session, env: notify.Env, request: SigningRequest, actor: Actor, person: Person
) -> Recipient:
    """Add a CC (it receives the completed document)."""
    _open(request, "add a recipient")
    email = _check_email(request, person.email)
    cc_orders = [r.order for r in request.recipients if not r.acts]
    recipient = Recipient(
        position=max((r.position for r in request.recipients), default=-1) + 1,
        first_name=person.first_name.strip(),
        last_name=person.last_name.strip(),
        email=email,
        phone_number=person.phone_number,
        company=person.company,
        title=person.title,
        designation="CC",
        order=max(cc_orders, default=0) + 1,
        custom_fields={},
    )
    request.recipients.append(recipient)
    session.flush()
    record_event(
        session,
        request,
        "recipient_added",
        actor,
        recipient_id=recipient.id,
        details={"email": email, "designation": "CC"},
    )
    _changed(session, env, request)
    return recipient


def edit_recipient(
    session: Session,
    env: notify.Env,
    request: SigningRequest,
    actor: Actor,
    recipient: Recipient,
    changes: dict[str, str | None],
) -> list[str]:
    """Change a recipient's identity; refused once they have finished. Returns what changed."""
    require_processed(request)
    if recipient.finished_at is not None:
        raise RecipientChangeRefused("The recipient has already completed the document")
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationFailed([(k, "cannot be changed") for k in sorted(unknown)])
    if "email" in changes:
        changes["email"] = _check_email(request, changes["email"] or "", except_id=recipient.id)
    changed = [k for k, v in changes.items() if getattr(recipient, k) != v]
    for key in changed:
        value = changes[key]
        setattr(
            recipient, key, (value or "").strip() if key in ("first_name", "last_name") else value
        )
    if changed:
        record_event(
            session,
            request,
            "recipient_edited",
            actor,
            recipient_id=recipient.id,
            details={"changed": changed},
        )
        _changed(session, env, request)
    return changed


def remove_recipient(
    session: Session, env: notify.Env, request: SigningRequest, actor: Actor, recipient: Recipient
) -> None:
    """Remove a recipient; a Signer/Approver only from a draft (their fields stay, unassigned)."""
    state = _open(request, "remove a recipient")
    if recipient.acts and state != S.DRAFT:
        raise RecipientChangeRefused("A signer can be removed only while the document is a draft")
    for f in request.fields:
        if f.recipient_id == recipient.id:
            f.recipient_id = None
    request.recipients.remove(recipient)
    session.flush()
    record_event(
        session,
        request,
        "recipient_deleted",
        actor,
        recipient_id=recipient.id,
        details={"email": recipient.email, "designation": recipient.designation},
    )
    _changed(session, env, request)


def reassign(
    session: Session,
    env: notify.Env,
    request: SigningRequest,
    actor: Actor,
    recipient: Recipient,
    person: Person,
) -> Recipient:
    """Hand a Signer/Approver's part to someone else: the new recipient takes the fields, order
    and role, and is invited at once when their step is active."""
    state = _open(request, "reassign a recipient")
    if state == S.COMPLETED or not recipient.acts:
        raise RecipientChangeRefused("Only a signer of an unfinished document can be reassigned")
    if recipient.finished_at is not None:
        raise RecipientChangeRefused("The recipient has already completed the document")
    email = _check_email(request, person.email, except_id=recipient.id)
    new = Recipient(
        **{f.name: getattr(person, f.name) for f in fields(Person)}
        | {
            "email": email,
            "position": recipient.position,
            "designation": recipient.designation,
            "role": recipient.role,
            "order": recipient.order,
            "custom_fields": {},
        }
    )
    request.recipients.append(new)
    session.flush()
    for f in request.fields:
        if f.recipient_id == recipient.id:
            f.recipient_id = new.id
    for m in request.reminders:
        if m.recipient_id == recipient.id:
            m.recipient_id = new.id
    request.recipients.remove(recipient)
    session.flush()
    record_event(
        session,
        request,
        "reassigned",
        actor,
        recipient_id=new.id,
        details={"from": recipient.id, "from_email": recipient.email, "to_email": email},
    )
    if state == S.IN_PROGRESS and new in active_step(request):
        new.sent_at = utcnow()
        notify.email(session, request, "signing_invite", new)
    _changed(session, env, request)
    return new
