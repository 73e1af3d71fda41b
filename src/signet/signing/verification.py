"""Answer "is this a Signet-sealed document, intact, and which request is it?" for a file."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from signet.models import SigningRequest
from signet.pdf.verify import VerifyResult, verify_pdf
from signet.signing import repository


@dataclass
class Verification:
    pades: VerifyResult | None
    sha256: str
    match: SigningRequest | None
    variant: str | None


def find_by_sha256(
    session: Session, sha256: str, workspace_id: str | None
) -> tuple[SigningRequest | None, str | None]:
    """The request one of whose sealed files this is, and which of them (its variant)."""
    request = repository.find_sealed(session, sha256, workspace_id)
    if request is None:
        return None, None
    variant = {
        request.final_sha256: "final",
        request.document_only_sha256: "document_only",
        request.certificate_only_sha256: "certificate_only",
    }[sha256]
    return request, variant


def verify_file(
    session: Session | None, data: bytes, *, workspace_id: str | None, seal_certificates: Any = ()
) -> Verification:
    sha = hashlib.sha256(data).hexdigest()
    result = verify_pdf(data, seal_certificates=seal_certificates)
    match, variant = (
        find_by_sha256(session, sha, workspace_id) if session is not None else (None, None)
    )
    return Verification(pades=result, sha256=sha, match=match, variant=variant)


def describe(result: VerifyResult) -> list[str]:
    """Human lines for the CLI: sealed or not, intact or not, who signed and when."""
    lines = []
    if not result.is_pdf:
        return ["Not a readable PDF."] + [f"  - {p}" for p in result.problems]
    if not result.signed:
        return ["The PDF carries no signature: it is not a Signet-sealed document."]
    meta = result.signet_metadata or {}
    lines.append("Signet-sealed document: " + ("yes" if result.signet_sealed else "no"))
    lines.append("Seal intact (unmodified since sealing): " + ("yes" if result.intact else "NO"))
    if result.signer_subject:
        lines.append(f"Sealed by: {result.signer_subject}")
    if result.signed_at:
        lines.append(f"Sealed at: {result.signed_at.isoformat()}")
    if result.timestamped:
        lines.append("Timestamped by a time-stamping authority: yes")
    if meta:
        lines.append(
            f"Signing request: {meta.get('signing_request_id')} "
            f"({meta.get('variant')}), completed {meta.get('completed_at')}"
        )
        for s in meta.get("signers", []):
            lines.append(f"  signed by {s.get('name')} <{s.get('email')}> at {s.get('signed_at')}")
    for p in result.problems:
        lines.append(f"  - {p}")
    return lines
