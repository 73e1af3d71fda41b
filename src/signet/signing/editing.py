"""Edit a draft: describe it as a DraftSpec, let a face change the spec, check it whole, apply it.

Checking the complete result (not the change alone) keeps one set of rules for create, PATCH and
PUT, and makes every edit all-or-nothing.
"""

from __future__ import annotations

from dataclasses import fields as dc_fields
from typing import Any

from sqlalchemy.orm import Session

from signet.audit.service import record_event
from signet.errors import ValidationFailed
from signet.models import Field, Recipient, Reminder, SigningRequest
from signet.models.base import utcnow
from signet.signing import identity, notify
from signet.signing.notify import Env
from signet.signing.prefill import apply_field_values, apply_tokens
from signet.signing.rows import field_from_spec, recipient_from_spec, resolve_condition_refs
from signet.signing.service import require_draft
from signet.signing.specs import (
    FIELD_ATTRS,
    Actor,
    DraftSpec,
    FieldSpec,
    RecipientSpec,
    ReminderSpec,
)
from signet.signing.validation import check_draft, compact_orders

_RECIPIENT_ATTRS = [f.name for f in dc_fields(RecipientSpec) if f.name not in ("ref", "order")]


def spec_from_request(request: SigningRequest, *, steps_as_given: bool = False) -> DraftSpec:
    """The draft as a spec a face may change; ``steps_as_given`` keeps the signing orders as
    they are through the edit (PandaDoc) instead of compacting them (Firma)."""
    return DraftSpec(
        steps_as_given=steps_as_given,
        name=request.name,
        description=request.description,
        expiration_hours=request.expiration_hours,
        settings=dict(request.settings),
        language=request.language,
        metadata=dict(request.metadata_ or {}),
        recipients=[
            RecipientSpec(
                ref=r.id,
                first_name=r.first_name,
                last_name=r.last_name,
                email=r.email,
                designation=r.designation,
                order=r.order,
                phone_number=r.phone_number,
                role=r.role,
                street_address=r.street_address,
                city=r.city,
                state_province=r.state_province,
                postal_code=r.postal_code,
                country=r.country,
                title=r.title,
                company=r.company,
                custom_fields=dict(r.custom_fields or {}),
            )
            for r in request.recipients
        ],
        fields=[
            FieldSpec(
                ref=f.id,
                recipient_ref=f.recipient_id,
                **{a: getattr(f, a) for a in FIELD_ATTRS},
            )
            for f in request.fields
        ],
        reminders=[
            ReminderSpec(
                ref=rm.id,
                hours=rm.hours,
                all_users=rm.all_users,
                recipient_ref=rm.recipient_id,
                subject=rm.subject,
                message=rm.message,
            )
            for rm in request.reminders
        ],
    )


def fill_draft(
    request: SigningRequest,
    tokens: list[dict[str, str]] | None,
    values: dict[str, Any],
    assign: dict[str, str] | None = None,
) -> None:
    """Fill a draft from ``tokens`` and field ``values`` (and reassign fields by ``assign``),
    then check it as it now is.

    Tokens and values fill read-only fields, a stamp's image among them, after the draft's own
    check: what they put there is checked as the seal will read it. ValidationFailed leaves the
    filling to be undone by the caller's transaction.
    """
    if tokens is not None:
        apply_tokens(request, tokens)
    if values or assign:
        apply_field_values(request, values, assign)
    if tokens is not None or values:
        problems, _ = check_draft(spec_from_request(request), request.page_count, test=request.test)
        if problems:
            raise ValidationFailed(problems)


def update_draft(
    session: Session,
    env: Env,
    request: SigningRequest,
    actor: Actor,
    spec: DraftSpec,
    *,
    changed: list[str],
) -> dict[str, str]:
    """Replace the draft's content with ``spec`` (checked whole). Returns temp ref → new UUID."""
    require_draft(request, action="update")
    problems, _warnings = check_draft(spec, request.page_count, test=request.test)
    problems += identity.settings_problems(env, spec.settings)
    if problems:
        raise ValidationFailed(problems)
    request.name = spec.name.strip()
    request.description = spec.description
    request.expiration_hours = spec.expiration_hours
    request.settings = dict(spec.settings)
    request.language = spec.language
    request.metadata_ = dict(spec.metadata)

    orders = compact_orders(
        spec.recipients,
        bool(spec.settings.get("use_signing_order", True)),
        steps_as_given=spec.steps_as_given,
    )
    existing_r = {r.id: r for r in request.recipients}
    keep_r: list[Recipient] = []
    created: dict[str, str] = {}
    for i, rs in enumerate(spec.recipients):
        rec = existing_r.get(rs.ref or "")
        if rec is None:
            rec = recipient_from_spec(rs, i, orders[i])
        else:
            fresh_r = recipient_from_spec(rs, i, orders[i])
            for attr in _RECIPIENT_ATTRS + ["position", "order"]:
                setattr(rec, attr, getattr(fresh_r, attr))
        keep_r.append(rec)
    request.recipients[:] = keep_r
    session.flush()
    ref_to_id = {rs.ref: rec.id for rs, rec in zip(spec.recipients, keep_r, strict=True) if rs.ref}
    created.update({k: v for k, v in ref_to_id.items() if k.startswith("temp_")})

    existing_f = {f.id: f for f in request.fields}
    keep_f: list[Field] = []
    for i, fs in enumerate(spec.fields):
        rid = ref_to_id.get(fs.recipient_ref, fs.recipient_ref) if fs.recipient_ref else None
        fresh = field_from_spec(fs, i, rid)
        kept = existing_f.get(fs.ref or "")
        if kept is None:
            keep_f.append(fresh)
        else:
            for attr in (*FIELD_ATTRS, "position", "recipient_id"):
                setattr(kept, attr, getattr(fresh, attr))
            keep_f.append(kept)
    request.fields[:] = keep_f
    session.flush()
    resolve_condition_refs(request.fields, spec.fields)

    existing_m = {m.id: m for m in request.reminders}
    keep_m: list[Reminder] = []
    now = utcnow()
    for ms in spec.reminders:
        target = ref_to_id.get(ms.recipient_ref, ms.recipient_ref) if ms.recipient_ref else None
        current_m = existing_m.get(ms.ref or "")
        if current_m is None:
            current_m = Reminder(created_at=now)
        current_m.hours = ms.hours
        current_m.all_users = ms.all_users
        current_m.recipient_id = target
        current_m.subject = ms.subject
        current_m.message = ms.message
        current_m.updated_at = now
        keep_m.append(current_m)
    request.reminders[:] = keep_m
    request.updated_at = now
    request.version += 1
    session.flush()
    record_event(session, request, "updated", actor, details={"changed": changed})
    notify.event(session, env, request, "signing_request.updated", changed=changed)
    return created
