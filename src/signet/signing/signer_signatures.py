"""Per-signer signatures (setting ``signature_per_signer``): who signs, in which order, where.

When the setting is on, finalisation adds one PAdES signature per recipient who finished, bound
to them by a certificate the installation's signing CA issues for that signing only
(``pdf.signer_signature``), before the seal. They are made in the ``request.finalize`` job, which
the last finish queues in its own transaction: the job is never lost, runs off the event loop,
and signs in the order the recipients finished, whatever order the worker sees them in.
With ``SIGNET_CSC_URL`` set, a remote signing service's credential makes them instead
(``pdf.csc_signer``); a failure there fails the job, which is retried.
See docs/seal-keys.md#per-signer-signatures.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from signet.models import Recipient, SigningRequest, Workspace
from signet.pdf.csc_signer import CSCService, RemoteSignatures, add_remote_signer_signatures
from signet.pdf.seal_embed import KnownHash, PrefixHash
from signet.pdf.signer_signature import SignerMark, signer_certificate, signer_signatures_hashed
from signet.pdf.signing_ca import SigningCA, load_or_create_signing_ca

__all__ = ["SETTING", "SignerSigning", "enabled", "plan", "remote_service", "signing_ca"]

SETTING = "signature_per_signer"
_MARK_TYPES = ("signature", "approval_signature", "initial")

_lock = threading.Lock()
_cas: dict[str, SigningCA] = {}


def signing_ca(settings: Any) -> SigningCA:
    """The installation's signing CA, made on first use and then kept for the process."""
    key = str(Path(settings.data_dir))
    with _lock:
        if key not in _cas:
            _cas[key] = load_or_create_signing_ca(
                settings.data_dir, installation_name=settings.installation_name
            )
        return _cas[key]


def enabled(request: SigningRequest, workspace: Workspace | None) -> bool:
    """The request's setting (a template's is copied into it); null inherits the workspace's,
    then off."""
    value = (request.settings or {}).get(SETTING)
    if value is None and workspace is not None:
        value = (workspace.settings or {}).get(SETTING)
    return bool(value)


def signers_in_order(request: SigningRequest) -> list[Recipient]:
    """Every acting recipient who finished, in the order they finished."""
    done = [r for r in request.recipients if r.acts and r.finished_at is not None]
    return sorted(done, key=lambda r: (_at(r.finished_at), r.order or 0, r.id))


def _at(value: datetime | None) -> str:
    return value.isoformat() if value is not None else ""


def mark_of(request: SigningRequest, recipient: Recipient) -> SignerMark:
    """The recipient with the box of their first signature mark (then initials), if any."""
    name = (recipient.name or "").strip() or recipient.email
    own = [
        f
        for f in request.fields
        if f.recipient_id == recipient.id and f.type in _MARK_TYPES and f.value
    ]
    own.sort(key=lambda f: (_MARK_TYPES.index(f.type) > 1, f.page_number, f.y, f.x))
    if not own:
        return SignerMark(name=name, email=recipient.email)
    f = own[0]
    return SignerMark(
        name=name,
        email=recipient.email,
        page_number=f.page_number,
        x=f.x,
        y=f.y,
        width=f.width,
        height=f.height,
    )


class SignerSigning:
    """The signers of one finalisation, each with a key made for it (or, with ``remote``, the
    remote service's credential); used for every file of the request, then dropped with the
    keys."""

    def __init__(
        self,
        ca: SigningCA,
        marks: list[SignerMark],
        organization: str,
        remote: CSCService | None = None,
    ) -> None:
        self.ca = ca
        self.marks = marks
        self.remote = remote
        # The remote credential's certificate subject, once a signing has asked for it.
        self.learnt = RemoteSignatures()
        self.keys = (
            []
            if remote is not None
            else [signer_certificate(ca, m.name, m.email, organization=organization) for m in marks]
        )

    def sign(
        self,
        first: Callable[[], IncrementalPdfFileWriter],
        original: bytes,
        original_hash: PrefixHash | None = None,
    ) -> tuple[bytes, KnownHash | None]:
        """``first``'s update signed by the first signer, then one update per later signer; and
        the signed file's hash for the seal, when known (``original_hash``, of ``original``,
        spares hashing it again)."""
        if self.remote is not None:
            signed = add_remote_signer_signatures(
                first, original, self.marks, self.remote, self.learnt
            )
            return signed, None
        return signer_signatures_hashed(
            first, original, self.marks, self.keys, self.ca, original_hash=original_hash
        )

    def sign_file(self, data: bytes) -> tuple[bytes, KnownHash | None]:
        """``data`` (already stamped) signed by each signer, one update each."""
        return self.sign(lambda: IncrementalPdfFileWriter(io.BytesIO(data)), data)


def remote_service(settings: Any) -> CSCService | None:
    """The remote signing service (SIGNET_CSC_URL and its companions), or None."""
    if not getattr(settings, "csc_url", None):
        return None
    return CSCService(
        url=settings.csc_url,
        credential_id=settings.csc_credential_id,
        token=settings.csc_token,
        pin=settings.csc_pin,
        timeout=settings.csc_timeout,
    )


def plan(
    settings: Any, request: SigningRequest, workspace: Workspace | None
) -> SignerSigning | None:
    """The signers to sign ``request``'s files, or None when the setting is off (or nobody
    finished: a request completed by hand before anyone signed)."""
    if not enabled(request, workspace):
        return None
    marks = [mark_of(request, r) for r in signers_in_order(request)]
    if not marks:
        return None
    return SignerSigning(
        signing_ca(settings), marks, settings.installation_name, remote_service(settings)
    )
