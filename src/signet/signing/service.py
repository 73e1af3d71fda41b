"""The signing request state machine and its rules. Services flush; the caller commits.

States: uploaded → draft → in_progress → completed | cancelled | declined | expired; a draft may
be deleted. Expiry is lazy (``effective_state``) and also stored by a sweep.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.orm import Session

from signet.audit.service import record_event
from signet.errors import Conflict, ValidationFailed
from signet.models import Blob, Field, Recipient, Reminder, SigningRequest, TemplateField
from signet.models.base import utcnow
from signet.signing import notify, rules
from signet.signing.specs import Actor, DraftSpec, FieldSpec, RecipientSpec, ReminderSpec
from signet.signing.validation import (
    check_draft,
    compact_orders,
    is_valid_email,
    normalise_designation,
    normalise_type,
)

TERMINAL = {"completed", "cancelled", "declined", "expired", "deleted"}


class Expiring(Protocol):
    """What the effective state reads: a ``SigningRequest`` or a row read without the ORM."""

    @property
    def state(self) -> str: ...
    @property
    def expires_at(self) -> datetime | None: ...


def effective_state(request: Expiring, now: datetime | None = None) -> str:
    """The state as every reader must see it: in progress past its expiry is expired."""
    if (
        request.state == "in_progress"
        and request.expires_at is not None
        and (now or utcnow()) >= request.expires_at
    ):
        return "expired"
    return request.state


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


def _recipient_from_spec(spec: RecipientSpec, position: int, order: int) -> Recipient:
    return Recipient(
        position=position,
        first_name=(spec.first_name or "").strip(),
        last_name=(spec.last_name or "").strip(),
        email=(spec.email or "").strip(),
        phone_number=spec.phone_number,
        designation=normalise_designation(spec.designation) or "Signer",
        role=spec.role,
        order=order,
        street_address=spec.street_address,
        city=spec.city,
        state_province=spec.state_province,
        postal_code=spec.postal_code,
        country=spec.country,
        title=spec.title,
        company=spec.company,
        custom_fields=dict(spec.custom_fields or {}),
    )


def _field_from_spec(spec: FieldSpec, position: int, recipient_id: str | None) -> Field:
    ftype = normalise_type(spec.type) or spec.type
    dw, dh = rules.DEFAULT_SIZES.get(ftype, (20.0, 3.0))
    if ftype in ("text_area",):
        dw, dh = rules.DEFAULT_SIZES["text"]
    return Field(
        position=position,
        type=ftype,
        recipient_id=recipient_id,
        page_number=spec.page_number,
        x=spec.x,
        y=spec.y,
        width=spec.width if spec.width is not None else min(dw, 100 - spec.x),
        height=spec.height if spec.height is not None else min(dh, 100 - spec.y),
        required=spec.required,
        read_only=spec.read_only or ftype == "url",
        read_only_value=spec.read_only_value,
        prefilled_data=spec.prefilled_data,
        variable_name=spec.variable_name,
        variable_defined_name=spec.variable_defined_name,
        name=spec.name,
        dropdown_options=spec.dropdown_options,
        format_rules=spec.format_rules,
        date_default=spec.date_default,
        date_signing_default=spec.date_signing_default,
        multi_group_id=spec.multi_group_id,
        required_conditions=spec.required_conditions,
        visibility_conditions=spec.visibility_conditions,
        validation_rules=spec.validation_rules,
        background_color=spec.background_color,
    )


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
        state="draft",
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
    )
    session.add(request)
    orders = compact_orders(spec.recipients, bool(settings["use_signing_order"]))
    by_ref: dict[str, Recipient] = {}
    for i, rs in enumerate(spec.recipients):
        recipient = _recipient_from_spec(rs, i, orders[i])
        request.recipients.append(recipient)
        if rs.ref:
            by_ref[rs.ref] = recipient
    session.flush()  # recipient ids exist from here on
    for i, fs in enumerate(spec.fields):
        rid = by_ref[fs.recipient_ref].id if fs.recipient_ref else None
        request.fields.append(_field_from_spec(fs, i, rid))
    session.flush()
    resolve_condition_refs(request.fields, spec.fields)
    for rm in spec.reminders:
        request.reminders.append(_reminder_from_spec(rm, by_ref))
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


def resolve_condition_refs(fields: Sequence[Field | TemplateField], specs: list[FieldSpec]) -> None:
    """Conditions name fields by the client's own ids; store them by the fields' real ids
    (a request's fields or a template's)."""
    ref_to_id = {fs.ref: f.id for f, fs in zip(fields, specs, strict=True) if fs.ref}
    if not ref_to_id:
        return
    for f in fields:
        for attr in ("required_conditions", "visibility_conditions"):
            block = getattr(f, attr)
            if not block:
                continue
            groups = [
                {
                    **g,
                    "conditions": [
                        {**c, "field_id": ref_to_id.get(c.get("field_id"), c.get("field_id"))}
                        for c in g.get("conditions", [])
                    ],
                }
                for g in block.get("groups", [])
            ]
            setattr(f, attr, {**block, "groups": groups})


def _reminder_from_spec(spec: ReminderSpec, by_ref: dict[str, Recipient]) -> Reminder:
    now = utcnow()
    return Reminder(
        hours=spec.hours,
        all_users=spec.all_users,
        recipient_id=by_ref[spec.recipient_ref].id if spec.recipient_ref else None,
        subject=spec.subject,
        message=spec.message,
        created_at=now,
        updated_at=now,
    )


NOT_READY_MESSAGE = "Document is still being processed. Try again later."


class NotReady(Conflict):
    """The document is still ``uploaded`` (PandaDoc's asynchronous create, see
    ``signing.processing``): only reads work until processing ends."""

    status_code = 409
    code = "DOCUMENT_NOT_READY"


def require_processed(request: SigningRequest) -> None:
    if request.state == "uploaded":
        raise NotReady(NOT_READY_MESSAGE, details={"state": "uploaded"})


def require_draft(
    request: SigningRequest, *, action: str, code: str = "ALREADY_SENT", status_code: int = 400
) -> None:
    """A draft that may change: not sent yet, and processed (from either face)."""
    require_processed(request)
    if request.state not in ("draft", "error"):
        raise Conflict(
            f"Cannot {action}: the signing request has already been sent",
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
    state = effective_state(request)
    if state in ("cancelled", "expired", "declined", "completed"):
        raise Conflict(f"Cannot send a {state} signing request", code="INVALID_STATE")
    require_draft(request, action="send")
    problems = send_problems(request)
    if problems:
        raise ValidationFailed(problems)
    now = utcnow()
    request.state = "in_progress"
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
    if effective_state(request) != "in_progress":
        raise Conflict(
            f"Only an in-progress signing request can be cancelled (it is {public_state(request)})",
            code="INVALID_STATE",
        )
    now = utcnow()
    request.state = "cancelled"
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
    if effective_state(request) != "in_progress":
        raise Conflict("Only an in-progress signing request can be resent", code="INVALID_STATE")
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
    notify.on_resent(session, env, request, targets, message)
    return targets


def delete_draft(
    session: Session, env: notify.Env, request: SigningRequest, actor: Actor
) -> datetime:
    require_draft(request, action="delete", status_code=409)
    now = utcnow()
    request.state = "deleted"
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
    if request.state == "in_progress" and effective_state(request) == "expired":
        assert request.expires_at is not None
        request.state = "expired"
        request.expired_at = request.expires_at
        request.updated_at = utcnow()
        record_event(session, request, "expired", actor)
        notify.on_expired(session, env, request, team_email, request.expires_at)
        return True
    return False


def public_state(request: SigningRequest) -> str:
    return effective_state(request)


def touch(request: SigningRequest) -> None:
    request.updated_at = utcnow()
    request.version += 1
