"""Finalise a completed request: stamp every value, append the certificate of completion, seal.

Three files come out, each PAdES-sealed by the installation: the final PDF (document and
certificate), the document only, and the certificate only. The document is stamped and saved
once; sealing only appends. The work runs outside any transaction; the result is recorded in
one short transaction, so a failure leaves the request completed, retryable and never
half-finished.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from signet.audit.service import list_events, record_event
from signet.context import AppContext
from signet.db import transaction
from signet.errors import StorageUnavailable
from signet.kit.ids import short_id
from signet.kit.links import ONE_HOUR, file_link
from signet.models import Recipient, SigningRequest, Workspace
from signet.models.base import utcnow
from signet.observability.metrics import SEAL_SECONDS
from signet.pdf.certificate import build_certificate
from signet.pdf.evidence import CertificateData, CertificateEvent, CertificateRecipient, StampValue
from signet.pdf.incremental import (
    IncrementalUpdateError,
    StampPlan,
    plan_stamps,
    stamp_certify_seal,
    update_preparer,
)
from signet.pdf.original_hash import OriginalHash
from signet.pdf.seal import seal_pdf
from signet.pdf.seal_keys import SealIdentity, load_or_create_seal, seal_version
from signet.pdf.seal_lta import Shared, add_long_term_validation, load_roots
from signet.pdf.stamp import stamp_values
from signet.signing import identity, notify, repository, rules, signer_signatures
from signet.signing.archive_renewal import archive_expiry_of
from signet.signing.service import field_prefill
from signet.signing.specs import SYSTEM
from signet.signing.states import RequestState

log = logging.getLogger("signet.finalize")

_seal_lock = threading.Lock()
_seals: dict[str, SealIdentity] = {}


def seal_identity(settings: Any) -> SealIdentity:
    """The installation's seal, loaded once per process and again when the key is replaced
    (``signet seal-key rotate`` or ``import``), so new seals use the new key without a restart."""
    version = seal_version(settings.data_dir, settings.seal_p12)
    key = f"{settings.data_dir}|{settings.seal_p12}|{version}"
    with _seal_lock:
        if key not in _seals:
            _seals[key] = load_or_create_seal(
                settings.data_dir,
                settings.seal_p12,
                settings.seal_p12_password,
                installation_name=settings.installation_name,
            )
        return _seals[key]


def _png(data_uri: str | None) -> bytes | None:
    if not data_uri or "," not in data_uri:
        return None
    return base64.b64decode(data_uri.split(",", 1)[1])


def stamp_list(request: SigningRequest) -> list[StampValue]:
    """Every value to draw: recipients' entries, adopted marks and read-only values."""
    by_id = {r.id: r for r in request.recipients}
    out: list[StampValue] = []
    for f in request.fields:
        recipient = by_id.get(f.recipient_id or "")
        value: str | None
        if f.read_only:
            value = field_prefill(request, f)
        elif f.type in ("signature", "approval_signature") and f.value and recipient:
            value = recipient.signature_image
        elif f.type == "initial" and f.value and recipient:
            value = recipient.initials_image
        elif f.type == "file" and f.value:
            try:
                value = json.loads(f.value).get("file_name") or "attached file"
            except (ValueError, AttributeError):
                value = "attached file"
        else:
            value = f.value
        if value in (None, ""):
            continue
        fmt = f.format_rules or {}
        size = fmt.get("fontSize")
        out.append(
            StampValue(
                page_number=f.page_number,
                x=f.x,
                y=f.y,
                width=f.width,
                height=f.height,
                type="text" if f.type in ("number",) else f.type,
                value=str(value),
                date_format=fmt.get("dateFormat"),
                font_size=float(size) if isinstance(size, int | float) else None,
                url_text=fmt.get("urlDisplayText"),
                **_text_layer(f.type, recipient),
            )
        )
    return out


def _text_layer(ftype: str, recipient: Recipient | None) -> dict[str, Any]:
    """A typed mark is an image of handwriting; its text rides along, invisible but extractable."""
    if recipient is None:
        return {}
    if ftype in ("signature", "approval_signature") and recipient.signature_kind == "typed":
        return {"text_layer": recipient.signature_text}
    if ftype == "initial" and recipient.initials_text:
        return {"text_layer": recipient.initials_text}
    return {}


@dataclass
class Finalised:
    final: bytes
    document_only: bytes
    certificate_only: bytes
    sha256: dict[str, str]  # hex SHA-256 of each file, by its name above


def _auth_method(recipient: Recipient, events: list[Any]) -> str:
    """How the recipient reached the page, then each identity check passed (docs/identity.md)."""
    reached = _reached(recipient, events)
    checks = identity.describe(identity.passed_methods(events, recipient.id))
    return f"{reached} + {checks}" if checks else reached


def _reached(recipient: Recipient, events: list[Any]) -> str:
    if any(e.event == "session_created" and e.recipient_id == recipient.id for e in events):
        names = {
            e.details.get("key_name")
            for e in events
            if e.event == "session_created" and e.recipient_id == recipient.id
        }
        return "Embedded session via API key " + ", ".join(sorted(n for n in names if n))
    return "Email link"


def certificate_data(
    settings: Any,
    base_url: str,
    request: SigningRequest,
    workspace: Workspace,
    events: list[Any],
    original_sha: str,
    signed_sha: str,
    completed_at: datetime | None,
    uploaded_sha: str | None = None,
    signer_signature_count: int = 0,
    signer_signatures_by: str | None = None,
) -> CertificateData:
    recipients = []
    for r in request.recipients:
        recipients.append(
            CertificateRecipient(
                name=r.name or r.email,
                email=r.email,
                designation=r.designation,
                order=r.order if r.acts else None,
                authentication=_auth_method(r, events),
                ip=r.ip_address or r.consent_ip,
                user_agent=r.user_agent or r.consent_user_agent,
                sent_at=r.sent_at,
                viewed_at=r.viewed_at,
                consent_at=r.consent_at,
                signed_at=r.finished_at,
                declined_at=r.declined_at,
                decline_reason=r.decline_reason,
                signature_png=_png(r.signature_image),
                initials_png=_png(r.initials_image),
                signature_id=r.id,
            )
        )
    manual = next((e for e in events if e.event == "completed" and e.details.get("manual")), None)
    return CertificateData(
        document_name=request.name,
        signing_request_id=request.id,
        short_id=short_id(request.id),
        page_count=request.page_count or 0,
        original_sha256=original_sha,
        signed_sha256=signed_sha,
        uploaded_sha256=uploaded_sha,
        audit_hash=events[-1].hash if events else "",
        installation_name=settings.installation_name,
        base_url=base_url,
        time_zone=workspace.timezone or "UTC",
        created_at=request.created_at,
        sent_at=request.sent_at,
        completed_at=completed_at,
        expires_at=request.expires_at,
        completed_manually_by=manual.actor_name if manual else None,
        test=request.test,
        signer_signatures=signer_signature_count,
        signer_signatures_by=signer_signatures_by,
        recipients=recipients,
        events=[
            CertificateEvent(
                time=e.at, event=e.event, actor=e.actor_name or e.actor_type, ip=e.ip_address
            )
            for e in events
        ],
    )


def build_final_files(
    ctx: AppContext,
    request: SigningRequest,
    workspace: Workspace,
    events: list[Any],
    uploaded_sha: str | None = None,
) -> Finalised:
    """The three sealed files; the original is never rewritten.

    Each of the document-only and final files is the original plus one incremental update
    holding the stamps (and, for the final file, the certificate pages) and the seal.
    """
    assert request.document_sha256
    original = ctx.store.get(request.document_sha256)
    # Hashed once, on a thread while the stamps are planned: both seals and both files' digests
    # then hash only the bytes appended to the original.
    original_hash = OriginalHash(original)
    identity = seal_identity(ctx.settings)
    values = stamp_list(request)
    signers = [
        {
            "name": r.name,
            "email": r.email,
            "signed_at": r.finished_at.isoformat() if r.finished_at else None,
        }
        for r in request.recipients
        if r.acts
    ]
    completed = (request.finished_at or utcnow()).isoformat()

    def sealing(variant: str) -> dict[str, Any]:
        return {
            "reason": f"Signet certificate of completion ({variant})",
            "location": None,
            "tsa_url": ctx.settings.tsa_url,
            "metadata": {
                "signing_request_id": request.id,
                "variant": variant,
                "completed_at": completed,
                "signers": signers,
                "installation": ctx.settings.installation_name,
            },
        }

    try:  # where the values go and the overlay that draws them, shared by both stamped files
        layout: StampPlan | list[StampValue] = plan_stamps(original, values)
    except IncrementalUpdateError:
        layout = values  # stamp_certify_seal raises it again, and the file is rewritten below
    # Per-signer signatures (setting signature_per_signer): one key per signer for this
    # finalisation, used for both stamped files, dropped with it.
    per_signer = signer_signatures.plan(ctx.settings, request, workspace)

    def stamped(certificate: bytes | None, variant: str) -> bytes:
        # One incremental update on the original: stamps, certificate pages and seal appended.
        # A file pyHanko cannot update (damaged xref, encryption) is rewritten by qpdf instead.
        if per_signer is not None:
            return signed_by_signers(per_signer, certificate, variant)
        try:
            return stamp_certify_seal(
                original,
                layout,
                certificate,
                identity,
                original_hash=original_hash,
                **sealing(variant),
            )
        except IncrementalUpdateError as exc:
            log.warning("request %s: rewriting the document to seal it (%s)", request.id, exc)
            return seal_pdf(
                stamp_values(original, values, certificate), identity, **sealing(variant)
            )

    shared = Shared()  # the three files share the chains' revocation data and the TSA client

    def signed_by_signers(
        signing: signer_signatures.SignerSigning, certificate: bytes | None, variant: str
    ) -> bytes:
        # The first signer signs the update with the stamps and certificate pages, each later
        # signer adds a signature, and the seal, an approval signature, covers them all.
        try:
            if not isinstance(layout, StampPlan):
                raise IncrementalUpdateError("the original could not be planned")
            signed, hashed = signing.sign(
                update_preparer(original, layout, certificate), original, original_hash
            )
        except IncrementalUpdateError as exc:
            log.warning("request %s: rewriting the document to sign it (%s)", request.id, exc)
            base = stamp_values(original, values, certificate)
            signed, hashed = signing.sign_file(base)
        return seal_pdf(signed, identity, original=hashed, **sealing(variant))

    def long_term(data: bytes) -> bytes:
        # PAdES B-LTA: validation data and a document timestamp after the seal (seal-keys.md).
        # Never B-T instead: a failure raises, and the job is retried.
        tsa = ctx.settings.tsa_url
        if ctx.settings.seal_pades_level != "B-LTA" or not tsa:
            return data
        roots = load_roots(ctx.settings.seal_lta_roots)
        return add_long_term_validation(data, identity, tsa, extra_trust_roots=roots, shared=shared)

    document_only = long_term(stamped(None, "document_only"))
    document_only_sha256 = original_hash.hexdigest_of(document_only)
    cert = build_certificate(
        certificate_data(
            ctx.settings,
            ctx.base_url,
            request,
            workspace,
            events,
            request.document_sha256,
            document_only_sha256,
            request.finished_at,
            uploaded_sha,
            len(per_signer.marks) if per_signer is not None else 0,
            per_signer.learnt.holder if per_signer is not None else None,
        )
    )
    final = long_term(stamped(cert, "final"))
    certificate_only = long_term(seal_pdf(cert, identity, **sealing("certificate_only")))
    return Finalised(
        final=final,
        document_only=document_only,
        certificate_only=certificate_only,
        sha256={
            "final": original_hash.hexdigest_of(final),
            "document_only": document_only_sha256,
            "certificate_only": hashlib.sha256(certificate_only).hexdigest(),
        },
    )


def finalize_request(ctx: AppContext, request_id: str) -> bool:
    """Produce and record the sealed files; False when already done (idempotent)."""
    with ctx.db.read() as session:
        request = repository.find_request(session, request_id)
        if request is None or request.state != RequestState.COMPLETED or request.final_sha256:
            return False
        workspace = repository.find_workspace(session, request.workspace_id)
        assert workspace is not None
        events = list_events(session, request.id)
        try:
            blob = repository.find_blob(session, request.document_sha256)
            uploaded = blob.upload_sha256 if blob is not None else None
            with SEAL_SECONDS.time():
                files = build_final_files(ctx, request, workspace, events, uploaded)
        except StorageUnavailable:
            raise  # not the document's fault: the worker retries once storage is back
        except Exception:
            _mark_error(ctx, request_id)
            raise
    digests = files.sha256
    # When the B-LTA files' archive timestamps must be renewed (signing.archive_renewal).
    archive_expires = (
        archive_expiry_of((files.final, files.document_only, files.certificate_only))
        if ctx.settings.seal_pades_level == "B-LTA"
        else None
    )
    for name, data in (
        ("final", files.final),
        ("document_only", files.document_only),
        ("certificate_only", files.certificate_only),
    ):
        ctx.store.put(digests[name], data)
    with transaction(ctx.db.write) as session:
        request = repository.lock_request(session, request_id)
        if request is None or request.final_sha256:
            return False
        request.final_sha256 = digests["final"]
        request.document_only_sha256 = digests["document_only"]
        request.certificate_only_sha256 = digests["certificate_only"]
        request.certificate_generated_at = utcnow()
        request.certificate_has_error = False
        request.archive_expires_at = archive_expires
        record_event(
            session,
            request,
            "certificate_generated",
            SYSTEM,
            details={
                "final_sha256": digests["final"],
                "document_only_sha256": digests["document_only"],
                "certificate_only_sha256": digests["certificate_only"],
            },
        )
        url = file_link(ctx.base_url, ctx.secret, digests["final"], "final.pdf", ONE_HOUR)[0]
        notify.event(
            session,
            ctx,
            request,
            "signing_request.certificate.generated",
            download_url=url,
            final_sha256=digests["final"],
        )
        if rules.setting(request.settings, "send_finish_email"):
            for r in request.recipients:
                notify.email(session, request, "signing_completed", r)
    return True


def _mark_error(ctx: AppContext, request_id: str) -> None:
    try:
        with transaction(ctx.db.write) as session:
            request = repository.find_request(session, request_id)
            if request is not None and not request.final_sha256:
                request.certificate_has_error = True
    except Exception:  # noqa: BLE001 - the original error matters more
        log.exception("could not record the finalisation error of %s", request_id)
