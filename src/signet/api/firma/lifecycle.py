"""Firma: send, cancel, resend and delete a signing request."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from signet.api.body import parse_body, read_body
from signet.api.deps import Auth, State
from signet.api.firma import schemas_in as fin
from signet.api.firma import schemas_out as out
from signet.api.openapi import body_of, errors_of
from signet.api.responses import JSONBytes, json_response
from signet.db import transaction
from signet.kit.timefmt import firma_time as ft
from signet.signing import repository, service

router = APIRouter(tags=["Signing requests"])


async def _optional_body(request: Request, model: type[fin.FirmaIn]) -> fin.FirmaIn:
    raw = await read_body(request, request.app.state.signet.settings.max_json_body_bytes)
    return await parse_body(raw if raw.strip() else b"{}", model)


@router.post(
    "/signing-requests/{signing_request_id}/send",
    response_model=out.SendResponse,
    openapi_extra=body_of(fin.SendIn),
    responses=errors_of(400, 401, 404, 409),
)
async def send_signing_request(
    signing_request_id: str, request: Request, auth: Auth, state: State
) -> JSONBytes:
    """Send a draft: sets `sent_date` and `expires_at = sent + expiration_hours`, and notifies
    the first step (everyone when signing order is off)."""
    body = await _optional_body(request, fin.SendIn)
    assert isinstance(body, fin.SendIn)
    actor = auth.actor(request)

    def work() -> out.SendResponse:
        with transaction(state.db.write) as session:
            sr = repository.get_request(
                session, auth.workspace_id, signing_request_id, for_update=True
            )
            notified = service.send(session, state, sr, actor, message=body.custom_message)
            assert sr.sent_at and sr.expires_at
            return out.SendResponse(
                message="Signing request sent successfully",
                signing_request_id=sr.id,
                recipients_notified=len(notified),
                sent_date=ft(sr.sent_at) or "",
                expires_at=ft(sr.expires_at) or "",
            )

    return json_response(await run_in_threadpool(work))


@router.post(
    "/signing-requests/{signing_request_id}/cancel",
    response_model=out.CancelResponse,
    openapi_extra=body_of(fin.CancelIn),
    responses=errors_of(400, 401, 404, 409),
)
async def cancel_signing_request(
    signing_request_id: str, request: Request, auth: Auth, state: State
) -> JSONBytes:
    """Cancel an in-progress signing request; its links stop working."""
    body = await _optional_body(request, fin.CancelIn)
    assert isinstance(body, fin.CancelIn)
    actor = auth.actor(request)

    def work() -> out.CancelResponse:
        with transaction(state.db.write) as session:
            sr = repository.get_request(
                session, auth.workspace_id, signing_request_id, for_update=True
            )
            emails = service.cancel(
                session, state, sr, actor, reason=body.reason, notify_recipients=body.notify_signers
            )
            assert sr.cancelled_at
            return out.CancelResponse(
                message="Signing request cancelled successfully",
                signing_request_id=sr.id,
                cancelled_on=ft(sr.cancelled_at) or "",
                notify_signers=body.notify_signers,
                emails_sent=emails,
            )

    return json_response(await run_in_threadpool(work))


@router.post(
    "/signing-requests/{signing_request_id}/resend",
    response_model=out.ResendResponse,
    openapi_extra=body_of(fin.ResendIn),
    responses=errors_of(400, 401, 404, 409),
)
async def resend_signing_request(
    signing_request_id: str, request: Request, auth: Auth, state: State
) -> JSONBytes:
    """Notify pending recipients of the current step again, now."""
    body = await _optional_body(request, fin.ResendIn)
    assert isinstance(body, fin.ResendIn)
    actor = auth.actor(request)

    def work() -> out.ResendResponse:
        with transaction(state.db.write) as session:
            sr = repository.get_request(
                session, auth.workspace_id, signing_request_id, for_update=True
            )
            targets = service.resend(
                session, state, sr, actor, body.recipient_ids, body.custom_message
            )
            return out.ResendResponse(
                message="Signing request resent successfully",
                signing_request_id=sr.id,
                recipients_notified=len(targets),
                recipients_failed=0,
                recipients=[
                    out.ResendRecipient(id=r.id, email=r.email, name=r.name) for r in targets
                ],
            )

    return json_response(await run_in_threadpool(work))


@router.delete(
    "/signing-requests/{signing_request_id}",
    response_model=out.DeleteResponse,
    responses=errors_of(401, 404, 409),
)
def delete_signing_request(
    signing_request_id: str, request: Request, auth: Auth, state: State
) -> JSONBytes:
    """Delete a draft (soft: it is listed only with `status=deleted`). A sent request → 409
    `ALREADY_SENT`."""
    with transaction(state.db.write) as session:
        sr = repository.get_request(session, auth.workspace_id, signing_request_id, for_update=True)
        at = service.delete_draft(session, state, sr, auth.actor(request))
        return json_response(
            out.DeleteResponse(
                message="Signing request deleted successfully",
                signing_request_id=sr.id,
                deleted_on=ft(at) or "",
            )
        )
