"""Check the per-signer signatures of a file (``signer_signature.py``), one by one.

Each is judged as the seal is: integrity offline, with the certificates it carries as their own
anchors, at its claimed signing time; intact only when nothing but form filling (later
signatures) and validation data follows it. Whether its certificate was issued by this
installation's signing CA is decided by the issuing certificate's signature and fingerprint.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import EmbeddedPdfSignature, validate_pdf_signature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko_certvalidator import ValidationContext

from signet.pdf.signer_signature import FIELD_PREFIX

__all__ = ["SignerSignatureCheck", "check_signer_signatures"]

log = logging.getLogger(__name__)

_ALLOWED_AFTER = (
    ModificationLevel.NONE,
    ModificationLevel.LTA_UPDATES,
    ModificationLevel.FORM_FILLING,
)
_KEY_USAGE = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"})


@dataclass
class SignerSignatureCheck:
    field_name: str
    name: str | None = None
    email: str | None = None
    subject: str | None = None
    signed_at: datetime | None = None
    # The signed bytes are unchanged, the signature verifies, and only later signatures and
    # validation data follow it.
    intact: bool = False
    # Its certificate was issued by one of the installation's signing CAs given.
    issued_here: bool = False
    problems: list[str] = field(default_factory=list)


def check_signer_signatures(
    signatures: Iterable[EmbeddedPdfSignature], signing_cas: Iterable[asn1_x509.Certificate] = ()
) -> list[SignerSignatureCheck]:
    """One check per signature whose field is a Signet signer's, in signing order."""
    cas = list(signing_cas)
    return [
        _check(sig, cas) for sig in signatures if str(sig.field_name or "").startswith(FIELD_PREFIX)
    ]


def _check(sig: EmbeddedPdfSignature, cas: list[asn1_x509.Certificate]) -> SignerSignatureCheck:
    out = SignerSignatureCheck(field_name=str(sig.field_name))
    try:
        cert = sig.signer_cert
        out.subject = str(cert.subject.human_friendly)
        native = cert.subject.native
        # The signer as the signed signature dictionary names them (a remote signing service's
        # certificate names its credential's holder, pdf/csc_signer.py), else as the
        # certificate does (the signing CA's name the signer).
        out.name = _text(sig.sig_object.get("/Name")) or native.get("common_name")
        out.email = _text(sig.sig_object.get("/ContactInfo")) or native.get("email_address")
        context = ValidationContext(
            trust_roots=[cert, *sig.other_embedded_certs],
            allow_fetching=False,
            moment=sig.self_reported_timestamp,
        )
        status = validate_pdf_signature(
            sig, signer_validation_context=context, key_usage_settings=_KEY_USAGE
        )
    except Exception as exc:  # noqa: BLE001 - hostile input: report, never raise
        log.debug("signer signature check failed", exc_info=exc)
        out.problems.append(f"The signature {out.field_name} is damaged and cannot be checked")
        return out
    out.signed_at = status.signer_reported_dt
    level = getattr(status.diff_result, "modification_level", None)
    out.intact = bool(
        status.intact
        and status.valid
        and status.docmdp_ok is not False
        and (level is None or level in _ALLOWED_AFTER)
    )
    if not out.intact:
        out.problems.append(f"The signature of {out.name or out.field_name} is not intact")
    out.issued_here = any(_issued_by(cert, ca) for ca in cas)
    return out


def _text(value: object) -> str | None:
    """A signature dictionary's text entry, or None when absent or not text."""
    if not isinstance(value, str):
        return None
    return value.strip() or None


def _issued_by(cert: asn1_x509.Certificate, ca: asn1_x509.Certificate) -> bool:
    try:
        child = x509.load_der_x509_certificate(cert.dump())
        child.verify_directly_issued_by(x509.load_der_x509_certificate(ca.dump()))
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True
