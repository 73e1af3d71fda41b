"""Check a PDF's seal: is it signed, is it a Signet seal, is every byte still as signed.

:func:`verify_pdf` never raises: whatever the bytes are, the result says what was found and, in
``problems``, what is wrong, in words a user can read.
"""

from __future__ import annotations

import binascii
import hashlib
import io
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from asn1crypto import parser as asn1_parser
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.fields import MDPPerm
from pyhanko.sign.validation import (
    EmbeddedPdfSignature,
    PdfSignatureStatus,
    SignatureCoverageLevel,
    validate_pdf_signature,
)
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko_certvalidator import ValidationContext

from signet.pdf.seal import INFO_KEY, METADATA_FORMAT, SEAL_FIELD_NAME, run_outside_event_loop

__all__ = ["VerifyResult", "verify_pdf"]

logger = logging.getLogger(__name__)

# Later revisions a certification with "no changes" still allows: validation data (DSS) and
# document timestamps, as added for PAdES B-LT/B-LTA.
_ALLOWED_AFTER_SEAL = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES)
# A seal certificate needs one of these (ours has both); some CA-issued seals carry only one.
_SEAL_KEY_USAGE = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"})


@dataclass
class VerifyResult:
    """What :func:`verify_pdf` found; ``problems`` explains every False that matters."""

    is_pdf: bool = False
    signed: bool = False
    # Sealed by Signet: our metadata sits in the revision the seal signature covers.
    signet_sealed: bool = False
    # The signed bytes hash to the signed digest, the signature verifies against its certificate,
    # and nothing was changed after it (beyond PAdES validation data).
    intact: bool = False
    # intact, and the signature is well-formed PAdES (valid in pyHanko's terms); trust is separate.
    valid: bool = False
    # The signer is one of the installation's seal certificates (or chains to one).
    trusted: bool = False
    certified: bool = False
    signed_at: datetime | None = None
    signer_subject: str | None = None
    signer_fingerprint_sha256: str | None = None
    timestamped: bool = False
    signet_metadata: dict[str, Any] | None = None
    signature_count: int = 0
    sha256: str | None = None
    problems: list[str] = field(default_factory=list)


def verify_pdf(
    data: bytes, *, seal_certificates: Iterable[asn1_x509.Certificate] = ()
) -> VerifyResult:
    """Inspect and validate the signatures of ``data``; never raises.

    ``seal_certificates`` are the installation's sealing certificates
    (``SealIdentity.certificate``), used only to decide ``trusted``; integrity does not use them.
    """
    result = VerifyResult()
    try:
        result.sha256 = hashlib.sha256(data).hexdigest()
        run_outside_event_loop(lambda: _verify(data, list(seal_certificates), result))
    except Exception as exc:  # noqa: BLE001 - the contract is "never raise" on hostile input
        result.intact = result.valid = result.trusted = False
        result.problems.append(f"The PDF could not be checked: {_describe(exc)}")
    return result


def _verify(data: bytes, trusted: list[asn1_x509.Certificate], result: VerifyResult) -> None:
    if not data:
        result.problems.append("The file is empty")
        return
    if b"%PDF-" not in data[:1024]:
        result.problems.append("The file is not a PDF (it does not start with %PDF-)")
        return
    try:
        reader = PdfFileReader(io.BytesIO(data))
        # Touch the root so a broken object graph shows up here, not later.
        reader.root  # noqa: B018
    except Exception as exc:  # noqa: BLE001
        result.problems.append(
            f"The PDF is damaged or truncated and cannot be read: {_describe(exc)}"
        )
        return
    result.is_pdf = True

    try:
        signatures: list[EmbeddedPdfSignature] = list(reader.embedded_regular_signatures)
    except Exception as exc:  # noqa: BLE001
        result.signed = _has_signature_field(reader)
        result.problems.append(f"The PDF's signature cannot be read: {_describe(exc)}")
        return
    result.signature_count = len(signatures)
    result.signed = bool(signatures)
    if not signatures:
        result.problems.append("The PDF is not signed")
        return

    sig = _pick_seal(signatures)
    result.signet_metadata = _signed_metadata(reader, sig)
    result.signet_sealed = result.signet_metadata is not None
    if not result.signet_sealed:
        result.problems.append("The PDF is signed, but not sealed by Signet")
    result.certified = sig.docmdp_level == MDPPerm.NO_CHANGES

    # Integrity is judged without trust: the embedded certificates serve as their own anchors, so
    # pyHanko checks the maths, key usage and validity period offline, at the claimed signing time.
    # Whether the signer is this installation's seal is decided by fingerprint, below.
    context = ValidationContext(
        trust_roots=_embedded_certs(sig),
        allow_fetching=False,
        moment=sig.self_reported_timestamp,
    )
    try:
        status = validate_pdf_signature(
            sig, signer_validation_context=context, key_usage_settings=_SEAL_KEY_USAGE
        )
    except Exception as exc:  # noqa: BLE001
        logger.debug("signature validation failed", exc_info=exc)
        result.problems.append("The seal's signature is damaged and cannot be checked")
        return
    _read_status(status, result)
    unchanged = _unchanged_after_signing(status, reader, sig)
    canonical = _contents_untouched(data, sig)
    if status.intact and status.valid and not (unchanged and canonical):
        result.problems.append("The document was changed after it was sealed")
    result.intact = bool(status.intact and status.valid and unchanged and canonical)
    result.valid = result.intact and bool(status.trusted)
    known = {hashlib.sha256(c.dump()).hexdigest() for c in trusted}
    result.trusted = result.signer_fingerprint_sha256 in known


def _read_status(status: PdfSignatureStatus, result: VerifyResult) -> None:
    cert = status.signing_cert
    result.signer_subject = str(cert.subject.human_friendly)
    result.signer_fingerprint_sha256 = hashlib.sha256(cert.dump()).hexdigest()
    ts = status.timestamp_validity
    result.timestamped = bool(ts is not None and ts.intact and ts.valid)
    result.signed_at = ts.timestamp if result.timestamped and ts else status.signer_reported_dt

    problems = result.problems
    if not status.intact:
        problems.append("The document was changed after it was sealed (its hash does not match)")
    elif not status.valid:
        problems.append("The seal's signature does not match its certificate")
    elif not status.trusted:
        why = status.trust_problem_indic
        problems.append(
            "The seal's certificate was not usable for signing at the time of sealing"
            + (f" ({why.name.lower()})" if why is not None else "")
        )
    if ts is not None and not result.timestamped:
        problems.append("The seal's timestamp is damaged")


def _unchanged_after_signing(
    status: PdfSignatureStatus, reader: PdfFileReader, sig: EmbeddedPdfSignature
) -> bool:
    # A reader tolerates bytes after the final %%EOF, and pyHanko's coverage check then reports
    # ENTIRE_REVISION with nothing changed. We want any appended byte to count as a change.
    tail = reader.stream.getvalue()[-7:]  # type: ignore[attr-defined]
    if not tail.endswith((b"%%EOF", b"%%EOF\n", b"%%EOF\r\n", b"%%EOF\r")):
        return False
    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return True
    if status.coverage != SignatureCoverageLevel.ENTIRE_REVISION or not status.docmdp_ok:
        return False
    later_revisions = sig.signed_revision < reader.xrefs.total_revisions - 1
    level = getattr(status.diff_result, "modification_level", None)
    return later_revisions and level in _ALLOWED_AFTER_SEAL


def _contents_untouched(data: bytes, sig: EmbeddedPdfSignature) -> bool:
    # /Contents is the one region the signature cannot cover. Its CMS blob is checked by
    # validation, but the zero padding after it, and the case of its hex digits, are not: insist
    # on the exact form signers write, so that no byte of the file can change unnoticed.
    try:
        _, start_gap, end_gap, _ = (int(v) for v in sig.byte_range)
        raw = data[start_gap:end_gap]
        hex_digits = raw[1:-1]
        blob = bytes(sig.pkcs7_content)
        _, _, _, header, contents, _ = asn1_parser.parse(blob)
    except (ValueError, TypeError):
        return False
    return (
        raw[:1] == b"<"
        and raw[-1:] == b">"
        and hex_digits in (hex_digits.upper(), hex_digits.lower())
        and hex_digits.upper() == binascii.hexlify(blob).upper()
        and not any(blob[len(header) + len(contents) :])
    )


def _embedded_certs(sig: EmbeddedPdfSignature) -> list[asn1_x509.Certificate]:
    certs = [sig.signer_cert, *sig.other_embedded_certs]
    for attr in sig.signer_info["unsigned_attrs"] or ():
        if attr["type"].native == "signature_time_stamp_token":
            for token in attr["values"]:
                for choice in token["content"]["certificates"] or ():
                    if choice.name == "certificate":
                        certs.append(choice.chosen)
    return certs


def _pick_seal(signatures: list[EmbeddedPdfSignature]) -> EmbeddedPdfSignature:
    ours = [s for s in signatures if str(s.field_name or "").startswith(SEAL_FIELD_NAME)]
    # Signatures come in signing order: the last seal (or signature) covers the most.
    return (ours or signatures)[-1]


def _signed_metadata(reader: PdfFileReader, sig: EmbeddedPdfSignature) -> dict[str, Any] | None:
    # Read from the revision the signature covers, so a later update cannot plant metadata.
    try:
        info = reader.get_historical_resolver(sig.signed_revision).trailer_view["/Info"]
        raw = info.get_object()[INFO_KEY]
    except (KeyError, TypeError, AttributeError):
        return None
    except Exception:  # noqa: BLE001 - a damaged info dictionary just means "no metadata"
        return None
    if not isinstance(raw, generic.TextStringObject | generic.ByteStringObject):
        return None
    try:
        text = raw if isinstance(raw, str) else bytes(raw).decode("utf-8")
        parsed = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(parsed, dict) or parsed.get("format") != METADATA_FORMAT:
        return None
    return parsed


def _has_signature_field(reader: PdfFileReader) -> bool:
    try:
        form = reader.root["/AcroForm"]
        return any(f.get_object().get("/FT") == "/Sig" for f in form["/Fields"])
    except Exception:  # noqa: BLE001
        return False


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return text[:300] if text else type(exc).__name__
