"""``POST /signet/v1/verify``: check an uploaded PDF (or a SHA-256) against Signet's seals."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from signet.api.auth import authenticate
from signet.api.body import read_body
from signet.api.deps import State
from signet.api.openapi import errors_of
from signet.api.responses import JSONBytes, json_response
from signet.errors import SignetError, Unauthorized, ValidationFailed
from signet.kit.timefmt import firma_time
from signet.signing.verification import find_by_sha256, verify_file

router = APIRouter(tags=["Signet extensions"])


class PadesOut(BaseModel):
    valid: bool
    intact: bool
    signed_at: str | None
    signer_subject: str | None
    timestamped: bool
    signet_sealed: bool
    problems: list[str]


class VerifyOut(BaseModel):
    match: bool
    variant: str | None
    signing_request_id: str | None
    completed_at: str | None
    sha256: str
    pades: PadesOut | None
    signers: list[dict[str, Any]] | None = None


@router.post(
    "/verify",
    response_model=VerifyOut,
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                },
                "application/json": {
                    "schema": {"type": "object", "properties": {"sha256": {"type": "string"}}}
                },
            }
        }
    },
    responses=errors_of(400, 413),
)
async def verify(request: Request, state: State) -> JSONBytes:
    """Verify a PDF: is it sealed by this Signet installation, is the seal intact (any changed
    byte makes it `intact: false`), and which signing request and file variant is it. With an
    API key the match is limited to that workspace and includes the signers' names; without one
    only integrity is answered. Send the file as multipart `file`, or JSON `{"sha256": …}`."""
    workspace_id: str | None = None
    if request.headers.get("authorization"):
        workspace_id = (await authenticate(request)).workspace_id
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("application/json"):
        import orjson

        raw = await read_body(request, 64 * 1024)
        try:
            sha = str(orjson.loads(raw).get("sha256", "")).lower()
        except (orjson.JSONDecodeError, AttributeError):
            raise ValidationFailed([("body", 'expected {"sha256": "…"}')]) from None
        if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
            raise ValidationFailed([("sha256", "must be 64 hex characters")])
        if workspace_id is None:
            raise Unauthorized("Missing or invalid API key")

        def lookup() -> VerifyOut:
            with state.db.read() as session:
                match, variant = find_by_sha256(session, sha, workspace_id)
                return _out(match, variant, sha, None, named=True)

        return json_response(await run_in_threadpool(lookup))
    if not ctype.startswith("multipart/form-data"):
        raise ValidationFailed([("file", "upload the PDF as multipart/form-data field `file`")])
    form = await request.form(max_part_size=state.settings.max_upload_bytes)
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise ValidationFailed([("file", "is required")])
    data = await upload.read()
    if len(data) > state.settings.max_upload_bytes:
        raise SignetError("The file is too large", code="PAYLOAD_TOO_LARGE", status_code=413)

    def work() -> VerifyOut:
        from signet.signing.finalize import seal_identity

        certs = [seal_identity(state.settings).certificate]
        with state.db.read() as session:
            v = verify_file(session, data, workspace_id=workspace_id, seal_certificates=certs)
            return _out(v.match, v.variant, v.sha256, v.pades, named=workspace_id is not None)

    return json_response(await run_in_threadpool(work))


def _out(match: Any, variant: str | None, sha: str, pades: Any, *, named: bool) -> VerifyOut:
    signers = None
    if match is not None and named:
        signers = [
            {
                "name": r.name,
                "email": r.email,
                "designation": r.designation,
                "signed_at": firma_time(r.finished_at),
            }
            for r in match.recipients
            if r.acts
        ]
    return VerifyOut(
        match=match is not None and named,
        variant=variant if named else None,
        signing_request_id=match.id if match is not None and named else None,
        completed_at=firma_time(match.finished_at) if match is not None and named else None,
        sha256=sha,
        pades=PadesOut(
            valid=pades.valid,
            intact=pades.intact,
            signed_at=pades.signed_at.isoformat() if pades.signed_at else None,
            signer_subject=pades.signer_subject,
            timestamped=pades.timestamped,
            signet_sealed=pades.signet_sealed,
            problems=list(pades.problems),
        )
        if pades is not None
        else None,
        signers=signers,
    )
