"""PandaDoc: change a document — update a draft, delete, send, change its status by hand,
revert it to draft, and remind recipients now."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from signet.api.body import read_model
from signet.api.deps import Auth, State
from signet.api.pandadoc import schemas as sch
from signet.api.pandadoc import serializers as ser
from signet.api.pandadoc.common import body_of, errors_of, load, optional_body, pandadoc_errors
from signet.api.pandadoc.convert import metadata_in, values_in
from signet.api.pandadoc.status import MANUAL_TARGETS, pandadoc_status, parse_status_code
from signet.api.responses import JSONBytes, json_response
from signet.db import transaction
from signet.errors import ValidationFailed
from signet.kit.ids import parse_uuid
from signet.signing import status_changes
from signet.signing.editing import fill_draft, spec_from_request, update_draft
from signet.signing.prefill import as_text
from signet.signing.remind_now import ReminderOrder, remind
from signet.signing.revert import revert_to_draft
from signet.signing.send_options import send_document
from signet.signing.service import require_draft
from signet.signing.specs import DraftSpec, RecipientSpec
from signet.signing.validation import is_valid_email

router = APIRouter(tags=["PandaDoc: documents"])


def _apply_update(
    spec: DraftSpec, body: sch.DocumentUpdateIn
) -> tuple[list[str], list[tuple[str, str]]]:
    """Apply a PATCH body to the draft's description; returns what changed and the problems."""
    problems: list[tuple[str, str]] = []
    changed: list[str] = []
    if body.name is not None:
        spec.name = body.name
        changed.append("name")
    if body.metadata is not None:
        # Keys are merged in; a null value removes the key.
        removed = {k for k, v in body.metadata.items() if v is None}
        merged = {**spec.metadata, **metadata_in(body.metadata, problems)}
        spec.metadata = {k: v for k, v in merged.items() if k not in removed}
        changed.append("metadata")
    by_id = {r.ref: r for r in spec.recipients}
    for i, r in enumerate(body.recipients or []):
        if r.id:
            target = by_id.get(parse_uuid(r.id) or "")
            if target is None:
                problems.append((f"recipients[{i}].id", "unknown recipient"))
                continue
            for attr, value in (
                ("email", r.email),
                ("phone_number", r.phone),
                ("first_name", r.first_name),
                ("last_name", r.last_name),
            ):
                if value is not None:
                    setattr(target, attr, value.strip() if isinstance(value, str) else value)
        elif r.email:
            spec.recipients.append(
                RecipientSpec(
                    ref=f"temp_{i + 1}",
                    email=r.email.strip(),
                    first_name=r.first_name or "",
                    last_name=r.last_name or "",
                    phone_number=r.phone,
                    designation="CC",
                )
            )
        else:
            problems.append(
                (
                    f"recipients[{i}]",
                    "give the id of a recipient to update, or an email to add one as a CC",
                )
            )
    if body.recipients:
        changed.append("recipients")
    changed += [k for k in ("fields", "tokens") if getattr(body, k) is not None]
    return changed, problems


@router.patch(
    "/documents/{document_id}",
    status_code=204,
    response_class=Response,
    openapi_extra=body_of(sch.DocumentUpdateIn),
    responses=errors_of(400, 401, 404, 409, 429),
)
async def update_document(document_id: str, request: Request, auth: Auth, state: State) -> Response:
    """Update a draft: `name`, `recipients` (with `id` → update that recipient; with `email`
    → add a CC), `fields` (`{name: {value, role}}`), `tokens` and `metadata`."""
    body = await read_model(request, sch.DocumentUpdateIn)
    actor = auth.actor(request)

    def work() -> None:
        with transaction(state.db.write) as session:
            sr = load(session, auth, document_id, for_update=True)
            with pandadoc_errors(sr):
                require_draft(
                    sr,
                    action="update",
                    refusal=f"A document in {pandadoc_status(sr)} status cannot be updated",
                )
                spec = spec_from_request(sr, steps_as_given=True)
                changed, problems = _apply_update(spec, body)
                roles = {r.role: r.ref for r in spec.recipients if r.role and r.ref}
                values, assign = values_in(body.fields or {}, roles, problems)
                if problems:
                    raise ValidationFailed(problems)
                update_draft(session, state, sr, actor, spec, changed=changed or ["document"])
                tokens = None
                if body.tokens is not None:
                    tokens = [
                        {"name": t.name, "value": as_text(t.value) or ""} for t in body.tokens
                    ]
                fill_draft(sr, tokens, values, assign)

    await run_in_threadpool(work)
    return Response(status_code=204)


@router.delete(
    "/documents/{document_id}",
    status_code=204,
    response_class=Response,
    responses=errors_of(401, 404, 409, 429),
)
def delete_document(document_id: str, request: Request, auth: Auth, state: State) -> Response:
    """Delete a document. A sent document is cancelled first, then deleted (both audited);
    a document still being processed answers 409."""
    with transaction(state.db.write) as session:
        sr = load(session, auth, document_id, for_update=True)
        with pandadoc_errors(sr):
            status_changes.delete_document(session, state, sr, auth.actor(request))
    return Response(status_code=204)


@router.post(
    "/documents/{document_id}/send",
    response_model=sch.SendOut,
    openapi_extra=body_of(sch.SendIn, required=False),
    responses=errors_of(400, 401, 404, 409, 429),
)
async def send(document_id: str, request: Request, auth: Auth, state: State) -> JSONBytes:
    """Send a draft. `subject` and `message` go into the invitations; `silent: true` sends no
    email of any kind for this document (use `shared_link` or sessions instead); `reply_to` is
    the Reply-To of every email of this document (else the workspace's team email)."""
    body = await optional_body(request, sch.SendIn)
    reply_to = (body.reply_to or "").strip() or None
    if reply_to and not is_valid_email(reply_to):
        raise ValidationFailed([("reply_to", "must be an email address")])
    actor = auth.actor(request)

    def work() -> sch.SendOut:
        with transaction(state.db.write) as session:
            sr = load(session, auth, document_id, for_update=True)
            with pandadoc_errors(sr):
                send_document(
                    session,
                    state,
                    sr,
                    actor,
                    message=body.message,
                    subject=body.subject,
                    silent=body.silent,
                    reply_to=reply_to,
                )
            return sch.SendOut(
                **ser.status_out(sr).model_dump(),
                recipients=[ser.send_recipient_out(state, sr, r) for r in sr.recipients],
            )

    return json_response(await run_in_threadpool(work))


@router.patch(
    "/documents/{document_id}/status",
    status_code=204,
    response_class=Response,
    openapi_extra=body_of(sch.StatusChangeIn),
    responses=errors_of(400, 401, 404, 409, 429),
)
async def change_status(document_id: str, request: Request, auth: Auth, state: State) -> Response:
    """Change the status by hand: `2` completes (finalised with the current values), `11`
    voids as expired, `12` declines (`note` becomes the reason). `notify_recipients` (default
    true) emails the recipients about it."""
    body = await read_model(request, sch.StatusChangeIn)
    code = parse_status_code(body.status)
    if code not in MANUAL_TARGETS:
        raise ValidationFailed(
            [("status", f'"{code}" is not a status a document can be changed to; use 2, 11 or 12.')]
        )
    actor = auth.actor(request)

    def work() -> None:
        with transaction(state.db.write) as session:
            sr = load(session, auth, document_id, for_update=True)
            with pandadoc_errors(sr):
                status_changes.change_status(
                    session,
                    state,
                    sr,
                    actor,
                    MANUAL_TARGETS[code],
                    note=body.note,
                    notify_recipients=body.notify_recipients,
                    from_label=pandadoc_status(sr),
                )

    await run_in_threadpool(work)
    return Response(status_code=204)


@router.post(
    "/documents/{document_id}/draft",
    response_model=sch.DocumentStatusOut,
    responses=errors_of(400, 401, 404, 409, 429),
)
def revert_document(document_id: str, request: Request, auth: Auth, state: State) -> JSONBytes:
    """Move the document back to draft: signatures, recipients' progress, sessions and pending
    reminders are cleared, the version goes up by one, no email is sent."""
    with transaction(state.db.write) as session:
        sr = load(session, auth, document_id, for_update=True)
        with pandadoc_errors(sr):
            revert_to_draft(session, state, sr, auth.actor(request))
        return json_response(ser.status_out(sr))


@router.post(
    "/documents/{document_id}/send-reminder",
    response_model=sch.ReminderResultsOut,
    openapi_extra=body_of(sch.RemindersIn),
    responses=errors_of(400, 401, 404, 409, 429),
)
async def send_reminder(document_id: str, request: Request, auth: Auth, state: State) -> JSONBytes:
    """Remind recipients now. Each must be pending in the current signing step; SMS is not
    supported. The outcome is reported per recipient."""
    body = await read_model(request, sch.RemindersIn)
    orders = [
        ReminderOrder(
            recipient_id=r.recipient_id,
            email=r.delivery_methods.email,
            sms=r.delivery_methods.sms,
            subject=r.email_customization.subject,
            message=r.email_customization.message,
        )
        for r in body.reminders
    ]
    actor = auth.actor(request)

    def work() -> sch.ReminderResultsOut:
        with transaction(state.db.write) as session:
            sr = load(session, auth, document_id, for_update=True)
            with pandadoc_errors(sr):
                outcomes = remind(session, state, sr, actor, orders)
            return sch.ReminderResultsOut(
                results=[
                    sch.ReminderResultOut(
                        recipient_id=o.recipient_id, status="failed" if err else "sent", error=err
                    )
                    for o, err in zip(orders, outcomes, strict=True)
                ]
            )

    return json_response(await run_in_threadpool(work))
