"""Firma: a signing request's users, fields, reminders, audit trail and download link."""

from __future__ import annotations

from fastapi import APIRouter

from signet.api.deps import Auth, State
from signet.api.firma import schemas_out as out
from signet.api.firma import serializers as ser
from signet.api.openapi import errors_of
from signet.api.responses import JSONBytes, json_response
from signet.audit.repository import list_events
from signet.errors import SignetError
from signet.kit.links import ONE_HOUR, file_link
from signet.kit.timefmt import firma_time as ft
from signet.signing import repository, rules
from signet.signing.states import UNSENT, RequestState, effective_state

router = APIRouter(tags=["Signing requests"])


@router.get(
    "/signing-requests/{signing_request_id}/users",
    response_model=out.UsersResponse,
    responses=errors_of(401, 404),
)
def list_users(signing_request_id: str, auth: Auth, state: State) -> JSONBytes:
    """The recipients, with what each still lacks before sending and their signing link."""
    with state.db.read() as session:
        sr = repository.get_request(session, auth.workspace_id, signing_request_id)
        body = out.UsersResponse(results=[ser.user_out(state, sr, r) for r in sr.recipients])
    return json_response(body)


@router.get(
    "/signing-requests/{signing_request_id}/fields",
    response_model=out.FieldsResponse,
    responses=errors_of(401, 404),
)
def list_fields(signing_request_id: str, auth: Auth, state: State) -> JSONBytes:
    """The fields, with their values (signatures and initials as PNG data URIs)."""
    with state.db.read() as session:
        sr = repository.get_request(session, auth.workspace_id, signing_request_id)
        body = out.FieldsResponse(results=[ser.field_out(f, sr) for f in sr.fields])
    return json_response(body)


@router.get(
    "/signing-requests/{signing_request_id}/reminders",
    response_model=list[out.ReminderOut],
    responses=errors_of(401, 404),
)
def list_reminders(signing_request_id: str, auth: Auth, state: State) -> JSONBytes:
    """The reminders (a bare array, as upstream); `hours` counts back from `expires_at`."""
    with state.db.read() as session:
        sr = repository.get_request(session, auth.workspace_id, signing_request_id)
        items = [ser.reminder_out(m).model_dump(mode="json") for m in sr.reminders]
    return json_response(items)


@router.get(
    "/signing-requests/{signing_request_id}/audit",
    response_model=out.AuditResponse,
    responses=errors_of(401, 404),
)
def list_audit(signing_request_id: str, auth: Auth, state: State) -> JSONBytes:
    """The audit trail, oldest first: every state change with its actor, IP and user agent."""
    with state.db.read() as session:
        sr = repository.get_request(session, auth.workspace_id, signing_request_id)
        body = out.AuditResponse(results=[ser.audit_out(e) for e in list_events(session, sr.id)])
    return json_response(body)


class DownloadError(SignetError):
    """`…/download` errors use lower-case tokens in `error`, as upstream."""


@router.get(
    "/signing-requests/{signing_request_id}/download",
    response_model=out.DownloadResponse,
    responses=errors_of(401, 404, 409, 503),
)
def download(signing_request_id: str, auth: Auth, state: State) -> JSONBytes:
    """A 1-hour link to the current PDF: the sealed final document when finished; a partial
    copy while in progress (needs `allow_partial_download`); the last state otherwise."""
    with state.db.read() as session:
        try:
            sr = repository.get_request(session, auth.workspace_id, signing_request_id)
        except SignetError:
            raise DownloadError("not_found", code="NOT_FOUND", status_code=404) from None
        status = effective_state(sr)
        if status in UNSENT or sr.document_sha256 is None:
            raise DownloadError(
                "no_document_available", code="NO_DOCUMENT_AVAILABLE", status_code=409
            )
        if status == RequestState.COMPLETED:
            if not sr.final_sha256:
                raise DownloadError(
                    "generation_timeout",
                    code="GENERATION_TIMEOUT",
                    status_code=503,
                    extra={"headers": {"Retry-After": "5"}},
                )
            sha, partial, generated = sr.final_sha256, False, sr.certificate_generated_at
        elif status == RequestState.IN_PROGRESS:
            if not rules.setting(sr.settings, "allow_partial_download"):
                raise DownloadError(
                    "no_document_available",
                    code="NO_DOCUMENT_AVAILABLE",
                    status_code=409,
                    details={"reason": "allow_partial_download is off"},
                )
            sha, partial, generated = sr.document_sha256, True, sr.sent_at
        else:
            sha, partial, generated = sr.document_sha256, False, sr.updated_at
        url, expires = file_link(state.base_url, state.secret, sha, ser.pdf_name(sr.name), ONE_HOUR)
        body = out.DownloadResponse(
            status="finished" if status == RequestState.COMPLETED else status.value,
            is_partial=partial,
            download_url=url,
            generated_at=ft(generated),
            expires_at=ft(expires) or "",
        )
    return json_response(body)
