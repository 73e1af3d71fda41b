"""``POST /signet/v1/verify``: check an uploaded PDF (or a SHA-256) against Signet's seals.

Public: without an API key it answers what the ``/verify`` page shows; a key of the workspace
that owns the file adds that workspace's own view (docs/verify.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from signet.api.auth import authenticate
from signet.api.body import read_body
from signet.api.deps import State
from signet.api.memory_form import read_memory_form
from signet.api.openapi import errors_of
from signet.api.responses import JSONBytes, json_response
from signet.errors import ValidationFailed
from signet.kit.timefmt import firma_time
from signet.signing.verification import (
    IssuedFile,
    SignerSeen,
    Verification,
    installation_certificates,
    installation_signing_cas,
    lookup,
    parse_sha256,
    verify_file,
)

router = APIRouter(tags=["Signet extensions"])


class PadesOut(BaseModel):
    valid: bool
    intact: bool
    signed_at: str | None
    signer_subject: str | None
    timestamped: bool
    signet_sealed: bool
    problems: list[str]
    sealed_by_this_installation: bool
    revisions: int
    seal_revision: int | None
    bytes_after_seal: int | None
    # PAdES B-LTA: revocation data in the file and an intact document timestamp after the seal.
    long_term_validation: bool = False
    archive_timestamp: str | None = None
    # Signet extension setting signature_per_signer: each signer's own signature, in order.
    signer_signatures: list[SignerSignatureOut] = []


class SignerSignatureOut(BaseModel):
    name: str | None = Field(description="The signer named by the signature's certificate")
    signed_at: str | None
    intact: bool = Field(description="The signature verifies; only later signatures follow it")
    issued_by_this_installation: bool = Field(
        description="Its certificate was issued by this installation's signing CA"
    )


class SignerOut(BaseModel):
    name: str
    signed_at: str | None


class DocumentOut(BaseModel):
    signing_request_id: str
    name: str
    variant: str
    completed_at: str | None
    test: bool
    signers: list[SignerOut]


class VerifyOut(BaseModel):
    # The workspace's own view: set only with an API key of the workspace that owns the file.
    match: bool
    variant: str | None
    signing_request_id: str | None
    completed_at: str | None
    sha256: str
    pades: PadesOut | None
    signers: list[dict[str, Any]] | None = None
    # The public view, with or without a key.
    verdict: str | None = None
    known: bool = False
    document: DocumentOut | None = None
    sealed_signers: list[SignerOut] = []


@router.post(
    "/verify",
    response_model=VerifyOut,
    openapi_extra={
        "security": [{}, {"apiKey": []}],
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                },
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["sha256"],
                        "properties": {
                            "sha256": {"type": "string", "pattern": "^[0-9A-Fa-f]{64}$"}
                        },
                    }
                },
            }
        },
    },
    responses=errors_of(400, 401, 413),
)
async def verify(request: Request, state: State) -> JSONBytes:
    """Verify a PDF: is it sealed by this Signet installation (by any seal key it has used), is
    it intact (any changed or added byte makes it `intact: false`; `seal_revision`, `revisions`
    and `bytes_after_seal` say what was added), and which signing request it belongs to. Send the
    file as multipart `file` (never stored), or JSON `{"sha256": …}` to look a hash up.

    No API key is needed. Without one (or with another workspace's key) the answer is public:
    `verdict`, `pades`, and, when this installation issued the file, `document` with the
    request's id, name and its signers' names and times, which the sealed file itself shows. With
    a key of the workspace that owns the file, `match` is true and `signers` adds the signers'
    email addresses and roles. An invalid key is refused with 401."""
    workspace_id: str | None = None
    if request.headers.get("authorization"):
        workspace_id = (await authenticate(request)).workspace_id
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("application/json"):
        raw = await read_body(request, 64 * 1024)
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            body = None
        if not isinstance(body, dict):
            raise ValidationFailed([("body", 'expected {"sha256": "…"}')])
        sha = parse_sha256(str(body.get("sha256", "")))
        if sha is None:
            raise ValidationFailed([("sha256", "must be 64 hex characters")])

        def look_up() -> VerifyOut:
            with state.db.read() as session:
                return _out(lookup(session, sha, workspace_id), named=workspace_id is not None)

        return json_response(await run_in_threadpool(look_up))
    if not ctype.startswith("multipart/form-data"):
        raise ValidationFailed([("file", "upload the PDF as multipart/form-data field `file`")])
    form = await read_memory_form(request, file_limit=state.settings.max_upload_bytes)
    data = form.file_data
    if data is None or form.file_field != "file":
        raise ValidationFailed([("file", "is required")])

    def work() -> VerifyOut:
        certs = installation_certificates(state.settings)
        cas = installation_signing_cas(state.settings)
        with state.db.read() as session:
            found = verify_file(
                session,
                data,
                workspace_id=workspace_id,
                seal_certificates=certs,
                signing_cas=cas,
            )
            return _out(found, named=workspace_id is not None)

    return json_response(await run_in_threadpool(work))


def _out(found: Verification, *, named: bool) -> VerifyOut:
    match = found.match if named else None
    signers = None
    if match is not None:
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
    pades = found.pades
    return VerifyOut(
        match=match is not None,
        variant=found.variant if match is not None else None,
        signing_request_id=match.id if match is not None else None,
        completed_at=firma_time(match.finished_at) if match is not None else None,
        sha256=found.sha256,
        pades=PadesOut(
            valid=pades.valid,
            intact=pades.intact,
            signed_at=pades.signed_at.isoformat() if pades.signed_at else None,
            signer_subject=pades.signer_subject,
            timestamped=pades.timestamped,
            signet_sealed=pades.signet_sealed,
            problems=list(pades.problems),
            sealed_by_this_installation=found.verdict in ("sealed_intact", "sealed_modified"),
            revisions=pades.revisions,
            seal_revision=pades.seal_revision,
            bytes_after_seal=found.bytes_after_seal,
            long_term_validation=bool(
                found.long_term
                and found.long_term.validation_data
                and found.long_term.archive_timestamp_intact
            ),
            archive_timestamp=found.long_term.archive_timestamp.isoformat()
            if found.long_term and found.long_term.archive_timestamp
            else None,
            signer_signatures=[
                SignerSignatureOut(
                    name=s.name,
                    signed_at=s.signed_at.isoformat() if s.signed_at else None,
                    intact=s.intact,
                    issued_by_this_installation=s.issued_here,
                )
                for s in pades.signer_signatures
            ],
        )
        if pades is not None
        else None,
        signers=signers,
        verdict=found.verdict,
        known=found.issued is not None,
        document=_document(found.issued),
        sealed_signers=[_signer(s) for s in found.sealed_signers],
    )


def _document(issued: IssuedFile | None) -> DocumentOut | None:
    if issued is None:
        return None
    return DocumentOut(
        signing_request_id=issued.signing_request_id,
        name=issued.document_name,
        variant=issued.variant,
        completed_at=firma_time(issued.completed_at),
        test=issued.test,
        signers=[_signer(s) for s in issued.signers],
    )


def _signer(s: SignerSeen) -> SignerOut:
    at = s.signed_at
    return SignerOut(name=s.name, signed_at=firma_time(at) if isinstance(at, datetime) else at)
