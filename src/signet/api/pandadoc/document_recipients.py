"""PandaDoc: a document's recipients — add a CC, edit, remove, reassign."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from signet.api.auth import AuthContext
from signet.api.body import read_model
from signet.api.deps import Auth, State
from signet.api.pandadoc import schemas as sch
from signet.api.pandadoc import verification
from signet.api.pandadoc.common import body_of, errors_of, load, pandadoc_errors, recipient_of
from signet.api.pandadoc.serializers import contact_id
from signet.api.responses import JSONBytes, json_response
from signet.db import transaction
from signet.errors import ValidationFailed
from signet.kit.ids import short_id
from signet.signing import recipients_admin as admin
from signet.signing.repository_reads import workspace_contacts

router = APIRouter(tags=["PandaDoc: recipients"])


def _person(session: Session, auth: AuthContext, body: sch.RecipientAddIn) -> admin.Person:
    """The inline person (a Signet extension), else the contact with that id: contacts are the
    people who were recipients in this workspace."""
    if body.email:
        return admin.Person(
            email=body.email, first_name=body.first_name or "", last_name=body.last_name or ""
        )
    if not body.id:
        raise ValidationFailed([("id", "give a contact id, or email, first_name and last_name")])
    if body.kind != "contact":
        raise ValidationFailed([("kind", "only contact is supported")])
    for email, first, last, phone in workspace_contacts(session, auth.workspace_id):
        if email and contact_id(auth.workspace_id, email) == body.id:
            return admin.Person(email=email, first_name=first, last_name=last, phone_number=phone)
    raise ValidationFailed([("id", "contact not found")])


@router.post(
    "/documents/{document_id}/recipients",
    response_model=sch.RecipientIdOut,
    openapi_extra=body_of(sch.RecipientAddIn),
    responses=errors_of(400, 401, 404, 409),
)
async def add_recipient(document_id: str, request: Request, auth: Auth, state: State) -> JSONBytes:
    """Add a CC recipient (not to a declined or voided document)."""
    body = await read_model(request, sch.RecipientAddIn)
    actor = auth.actor(request)

    def work() -> sch.RecipientIdOut:
        with transaction(state.db.write) as session:
            sr = load(session, auth, document_id, for_update=True)
            with pandadoc_errors(sr):
                added = admin.add_cc(session, state, sr, actor, _person(session, auth, body))
            return sch.RecipientIdOut(recipient_id=short_id(added.id))

    return json_response(await run_in_threadpool(work))


@router.patch(
    "/documents/{document_id}/recipients/recipient/{recipient_id}",
    status_code=204,
    response_class=Response,
    openapi_extra=body_of(sch.RecipientEditIn),
    responses=errors_of(400, 401, 404, 409),
)
async def edit_recipient(
    document_id: str, recipient_id: str, request: Request, auth: Auth, state: State
) -> Response:
    """Change a recipient who has not finished: email, phone, names, company, address."""
    body = await read_model(request, sch.RecipientEditIn)
    given = body.model_dump(exclude_unset=True)
    problems: list[tuple[str, str]] = []
    checks = verification.checks_in(
        body.verification_settings,
        "recipient",
        problems,
        sms_available=bool(state.settings.sms_url),
        phone=body.phone,
    )
    verification.unsupported_options(body, "recipient", problems)
    if problems:
        raise ValidationFailed(problems)
    names = {"phone": "phone_number", "job_title": "title", "state": "state_province"}
    changes = {
        names.get(k, k): v
        for k, v in given.items()
        if k not in ("verification_settings", "redirect")
    }
    actor = auth.actor(request)

    def work() -> None:
        with transaction(state.db.write) as session:
            sr = load(session, auth, document_id, for_update=True)
            with pandadoc_errors(sr):
                target = recipient_of(sr, recipient_id)
                admin.edit_recipient(session, state, sr, actor, target, changes)
                if "verification_settings" in given:
                    verification.apply(session, state, sr, target, checks, replace=True)

    await run_in_threadpool(work)
    return Response(status_code=204)


@router.delete(
    "/documents/{document_id}/recipients/{recipient_id}",
    status_code=204,
    response_class=Response,
    responses=errors_of(400, 401, 404, 409),
)
def delete_recipient(
    document_id: str, recipient_id: str, request: Request, auth: Auth, state: State
) -> Response:
    """Remove a recipient: a signer only from a draft (their fields stay, unassigned); a CC
    unless the document is declined or voided."""
    with transaction(state.db.write) as session:
        sr = load(session, auth, document_id, for_update=True)
        with pandadoc_errors(sr):
            admin.remove_recipient(
                session, state, sr, auth.actor(request), recipient_of(sr, recipient_id)
            )
    return Response(status_code=204)


@router.post(
    "/documents/{document_id}/recipients/{recipient_id}/reassign",
    response_model=sch.RecipientIdOut,
    openapi_extra=body_of(sch.RecipientAddIn),
    responses=errors_of(400, 401, 404, 409),
)
async def reassign_recipient(
    document_id: str, recipient_id: str, request: Request, auth: Auth, state: State
) -> JSONBytes:
    """Give an unfinished signer's part to someone else: the new recipient takes the fields,
    order and role, and is invited at once when their step is active."""
    body = await read_model(request, sch.RecipientAddIn)
    actor = auth.actor(request)

    def work() -> sch.RecipientIdOut:
        with transaction(state.db.write) as session:
            sr = load(session, auth, document_id, for_update=True)
            with pandadoc_errors(sr):
                new = admin.reassign(
                    session,
                    state,
                    sr,
                    actor,
                    recipient_of(sr, recipient_id),
                    _person(session, auth, body),
                )
            return sch.RecipientIdOut(recipient_id=short_id(new.id))

    return json_response(await run_in_threadpool(work))
