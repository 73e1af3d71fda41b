"""Answer "is this a Signet-sealed document, intact, and which request is it?" for a file or a hash.

Two audiences ask (docs/verify.md): anyone at all, through the public ``/verify`` page and
``POST /signet/v1/verify`` without a key, and a workspace, through its API key. What the public
may learn is decided here, once, for both faces: :class:`IssuedFile` holds only what the file
itself already shows to whoever holds it (the document's name, the request's id, the signers'
names and times), never an email address, an IP address or another file of the request.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from asn1crypto import x509 as asn1_x509
from sqlalchemy.orm import Session

from signet.models import SigningRequest
from signet.pdf.seal_keys import known_certificates
from signet.pdf.seal_lta import LongTerm, long_term_status
from signet.pdf.verify import VerifyResult, verify_pdf
from signet.signing import archive_repository, repository
from signet.signing.finalize import seal_identity
from signet.signing.signer_signatures import signing_ca

Verdict = Literal["sealed_intact", "sealed_modified", "sealed_elsewhere", "unsigned", "not_pdf"]
VARIANTS = ("final", "document_only", "certificate_only")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class SignerSeen:
    name: str
    signed_at: datetime | str | None


@dataclass(frozen=True)
class IssuedFile:
    """A file this installation issued, as anyone holding it may see it."""

    signing_request_id: str
    document_name: str
    variant: str
    completed_at: datetime | None
    test: bool
    signers: list[SignerSeen]


@dataclass
class Verification:
    pades: VerifyResult | None
    sha256: str
    # The request, only when the caller's workspace owns it (with an API key).
    match: SigningRequest | None
    variant: str | None
    # The public view of the request the file (or hash) belongs to, in any workspace.
    issued: IssuedFile | None = None
    verdict: Verdict | None = None
    # The seal's own record of its signers, shown only for this installation's seals.
    sealed_signers: list[SignerSeen] = field(default_factory=list)
    # Bytes after the end of the sealed revision (later revisions, or anything appended).
    bytes_after_seal: int | None = None
    # PAdES B-LTA data after the seal: revocation data and a document timestamp.
    long_term: LongTerm | None = None


def installation_certificates(settings: Any) -> list[asn1_x509.Certificate]:
    """Every certificate this installation has sealed with, the current one first: a file
    sealed before a key rotation is still its own."""
    return known_certificates(settings.data_dir, seal_identity(settings))


def installation_signing_cas(settings: Any) -> list[asn1_x509.Certificate]:
    """The installation's signing CA, issuer of its per-signer signatures' certificates."""
    return [signing_ca(settings).asn1_certificate]


def parse_sha256(text: str) -> str | None:
    """A pasted SHA-256 in its canonical form (64 lowercase hex digits), or None."""
    cleaned = re.sub(r"\s+", "", text or "").lower()
    cleaned = cleaned.removeprefix("sha256:").removeprefix("sha-256:")
    return cleaned if _HEX64.match(cleaned) else None


def find_by_sha256(
    session: Session, sha256: str, workspace_id: str | None
) -> tuple[SigningRequest | None, str | None]:
    """The request one of whose sealed files this is, and which of them (its variant): its
    current files, or one replaced by an archive timestamp renewal (docs/evidence.md)."""
    request = repository.find_sealed(session, sha256, workspace_id)
    if request is not None:
        return request, _variant_of(request, sha256)
    renewal = archive_repository.find_renewed(session, sha256)
    if renewal is None:
        return None, None
    request = repository.find_request(session, renewal.signing_request_id)
    if request is None or (workspace_id is not None and request.workspace_id != workspace_id):
        return None, None
    return request, renewal.variant


def _variant_of(request: SigningRequest, sha256: str) -> str:
    return {
        request.final_sha256: "final",
        request.document_only_sha256: "document_only",
        request.certificate_only_sha256: "certificate_only",
    }[sha256]


def issued_file(request: SigningRequest, variant: str) -> IssuedFile:
    """The public view of ``request``: what its sealed file shows to anyone holding it."""
    return IssuedFile(
        signing_request_id=request.id,
        document_name=request.name,
        variant=variant,
        completed_at=request.finished_at,
        test=bool(request.test),
        signers=[SignerSeen(r.name or "", r.finished_at) for r in request.recipients if r.acts],
    )


def lookup(session: Session, sha256: str, workspace_id: str | None) -> Verification:
    """What this installation knows of a file by its SHA-256 alone (no seal to check)."""
    request, variant = find_by_sha256(session, sha256, None)
    issued = None
    if request is not None and variant is not None and request.deleted_at is None:
        issued = issued_file(request, variant)
    owned = (
        request is not None and workspace_id is not None and request.workspace_id == workspace_id
    )
    return Verification(
        pades=None,
        sha256=sha256,
        match=request if owned else None,
        variant=variant if owned else None,
        issued=issued,
    )


def verify_file(
    session: Session | None,
    data: bytes,
    *,
    workspace_id: str | None,
    seal_certificates: Iterable[asn1_x509.Certificate] = (),
    signing_cas: Iterable[asn1_x509.Certificate] = (),
) -> Verification:
    """Check the seal of ``data`` against ``seal_certificates`` (and its per-signer signatures
    against ``signing_cas``) and look its hash up."""
    certificates = list(seal_certificates)
    sha = hashlib.sha256(data).hexdigest()
    result = verify_pdf(data, seal_certificates=certificates, signing_cas=signing_cas)
    if session is not None:
        verification = lookup(session, sha, workspace_id)
        verification.pades = result
    else:
        verification = Verification(pades=result, sha256=sha, match=None, variant=None)
    if result.sealed_length is not None:
        verification.bytes_after_seal = max(len(data) - result.sealed_length, 0)
    if result.signed:
        verification.long_term = long_term_status(data)
    ours = sealed_by(result, certificates)
    verification.verdict = verdict(result, ours=ours)
    if ours:
        verification.sealed_signers = _signers_in_seal(result.signet_metadata)
    return verification


def sealed_by(result: VerifyResult, certificates: Iterable[asn1_x509.Certificate]) -> bool:
    """The seal's certificate is one of ``certificates`` (whether or not the file is intact)."""
    known = {hashlib.sha256(c.dump()).hexdigest() for c in certificates}
    return result.signer_fingerprint_sha256 in known


def verdict(result: VerifyResult, *, ours: bool) -> Verdict:
    """One word for the answer; the faces put it in their own words."""
    if not result.is_pdf:
        return "not_pdf"
    if not result.signed:
        return "unsigned"
    if not ours:
        return "sealed_elsewhere"
    return "sealed_intact" if result.intact and result.signet_sealed else "sealed_modified"


def _signers_in_seal(metadata: dict[str, Any] | None) -> list[SignerSeen]:
    signers = (metadata or {}).get("signers")
    if not isinstance(signers, list):
        return []
    return [
        SignerSeen(str(s.get("name") or ""), str(s.get("signed_at") or "") or None)
        for s in signers
        if isinstance(s, dict)
    ]


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
    for sig in result.signer_signatures:
        state = "intact" if sig.intact else "NOT INTACT"
        issuer = (
            "issued by this installation"
            if sig.issued_here
            else f"certificate of {sig.subject}, not issued by this installation"
            if sig.subject
            else "issuer not recognised"
        )
        at = sig.signed_at.isoformat() if sig.signed_at else "unknown time"
        lines.append(
            f"Signer signature {sig.field_name}: {sig.name} <{sig.email}>, {at}, {state}, {issuer}"
        )
    for p in result.problems:
        lines.append(f"  - {p}")
    return lines
