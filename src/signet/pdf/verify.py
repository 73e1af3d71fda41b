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

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
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

from signet.pdf.inspect import describe_pdf_error
from signet.pdf.seal import INFO_KEY, METADATA_FORMAT, SEAL_FIELD_NAME, run_outside_event_loop
from signet.pdf.verify_signers import SignerSignatureCheck, check_signer_signatures

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
    # Not one byte changed since sealing: the signed ranges hash to the signed digest, the
    # signature verifies, nothing follows it but PAdES validation data, and the signature
    # container itself is in the exact form it was written.
    intact: bool = False
    # intact, and the certificate was fit for signing (key usage, validity) when it sealed.
    valid: bool = False
    # The signer is one of the installation's seal certificates.
    trusted: bool = False
    certified: bool = False
    signed_at: datetime | None = None
    signer_subject: str | None = None
    signer_fingerprint_sha256: str | None = None
    timestamped: bool = False
    signet_metadata: dict[str, Any] | None = None
    signature_count: int = 0
    sha256: str | None = None
    # The file's revisions (its original and each incremental update), the one the seal signs
    # (1-based), and the length of the file as sealed: whatever follows came after sealing.
    revisions: int = 0
    seal_revision: int | None = None
    sealed_length: int | None = None
    problems: list[str] = field(default_factory=list)
    # Per-signer signatures before the seal (docs/seal-keys.md#per-signer-signatures).
    signer_signatures: list[SignerSignatureCheck] = field(default_factory=list)


def verify_pdf(
    data: bytes,
    *,
    seal_certificates: Iterable[asn1_x509.Certificate] = (),
    signing_cas: Iterable[asn1_x509.Certificate] = (),
) -> VerifyResult:
    """Inspect and validate the seal of ``data``, and any per-signer signatures; never raises.

    ``seal_certificates`` are the installation's sealing certificates
    (``SealIdentity.certificate``), used only to decide ``trusted``; integrity does not use them.
    ``signing_cas`` are its signing CAs, which decide a signer signature's ``issued_here``.
    """
    result = VerifyResult()
    cas = list(signing_cas)
    try:
        result.sha256 = hashlib.sha256(data).hexdigest()
        run_outside_event_loop(lambda: _verify(data, list(seal_certificates), result, cas))
    except Exception as exc:  # noqa: BLE001 - the contract is "never raise" on hostile input
        logger.debug("verification failed", exc_info=exc)
        result.intact = result.valid = result.trusted = False
        result.problems.append(f"The PDF could not be checked: {_describe(exc)}")
    return result


def _verify(
    data: bytes,
    trusted: list[asn1_x509.Certificate],
    result: VerifyResult,
    signing_cas: list[asn1_x509.Certificate],
) -> None:
    if not data:
        result.problems.append("The file is empty")
        return
    if b"%PDF-" not in data[:1024]:
        result.problems.append("The file is not a PDF (it does not start with %PDF-)")
        return
    try:
        reader = PdfFileReader(io.BytesIO(data))
        if reader.xrefs.hybrid_xrefs_present:
            # Some producers (Microsoft Word among them) write hybrid-reference files; pyHanko
            # validates signatures in those only when reading in non-strict mode.
            reader = PdfFileReader(io.BytesIO(data), strict=False)
        reader.root  # noqa: B018 - a broken object graph should show up here, not later
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
    result.signer_signatures = check_signer_signatures(signatures, signing_cas)
    for checked in result.signer_signatures:
        result.problems.extend(checked.problems)

    sig = _pick_seal(signatures)
    result.revisions = reader.xrefs.total_revisions
    result.seal_revision = sig.signed_revision + 1
    result.sealed_length = _sealed_length(sig)
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
    if not (status.intact and status.valid):
        return
    # A timestamp token sits in the CMS container, outside the byte range: if it is there, it
    # must check out, or a byte in it was changed.
    timestamp_ok = status.timestamp_validity is None or result.timestamped
    untouched = (
        timestamp_ok
        and _nothing_after_signing(status, reader, sig)
        and _contents_as_written(data, sig)
        and (not result.signet_sealed or _cms_canonical(sig, result.signet_metadata or {}))
    )
    if not untouched:
        result.problems.append("The document was changed after it was sealed")
    result.intact = untouched
    result.valid = untouched and bool(status.trusted)
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
            "The seal's certificate was not fit for signing when the document was sealed"
            + (f" ({str(why.standard_name).lower()})" if why is not None else "")
        )
    if ts is not None and not result.timestamped:
        problems.append("The seal's timestamp is damaged")


def _nothing_after_signing(
    status: PdfSignatureStatus, reader: PdfFileReader, sig: EmbeddedPdfSignature
) -> bool:
    # A reader tolerates bytes after the final %%EOF, and pyHanko's coverage check then reports
    # ENTIRE_REVISION with nothing changed. Any appended byte must count as a change.
    tail = reader.stream.getvalue()[-7:]
    if not tail.endswith((b"%%EOF", b"%%EOF\n", b"%%EOF\r\n", b"%%EOF\r")):
        return False
    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return True
    if status.coverage != SignatureCoverageLevel.ENTIRE_REVISION or not status.docmdp_ok:
        return False
    later_revisions = sig.signed_revision < reader.xrefs.total_revisions - 1
    level = getattr(status.diff_result, "modification_level", None)
    return later_revisions and level in _ALLOWED_AFTER_SEAL


def _contents_as_written(data: bytes, sig: EmbeddedPdfSignature) -> bool:
    # /Contents is the one region the byte range cannot cover. Validation checks the CMS blob in
    # it, but not the zero padding after the blob nor the case of the hex digits: insist on the
    # form signers write, so that no byte of the file can change unnoticed.
    try:
        _, start_gap, end_gap, _ = (int(v) for v in sig.byte_range)
        raw = data[start_gap:end_gap]
        blob = bytes(sig.pkcs7_content)
        der_length = len(_der_prefix(blob))
    except (ValueError, TypeError):
        return False
    hex_digits = raw[1:-1]
    return (
        raw[:1] == b"<"
        and raw[-1:] == b">"
        and hex_digits in (hex_digits.upper(), hex_digits.lower())
        and hex_digits.upper() == binascii.hexlify(blob).upper()
        and not any(blob[der_length:])
    )


def _cms_canonical(sig: EmbeddedPdfSignature, metadata: dict[str, Any]) -> bool:
    """For our own seals: no part of the CMS container that the signature leaves open was changed.

    CMS signs only the signed attributes; its framing (lengths, tags, version numbers, the list
    of digest algorithms, the bundled certificates, the timestamp token around its signed part)
    is unsigned. Third-party signers encode these freely (BER, extra certificates), so this strict
    check is for Signet seals only, whose exact form we know and whose certificate fingerprints
    the signed metadata lists. One gap remains, in B-T seals: a certificate the TSA bundles
    without the certificate that issued it (the top of its chain) is bound by nothing in the file.
    """
    try:
        der = _der_prefix(bytes(sig.pkcs7_content))
        # Strict DER throughout: no stretched lengths or other BER forms, which a parser reads as
        # the same value although bytes changed.
        if not _is_strict_der(der):
            return False
        info = cms.ContentInfo.load(der, strict=True)
        signed_data = info["content"]
        tokens = _timestamp_tokens(signed_data)
        # And every rule of DER: parsed and written again as DER, the container gives its own
        # bytes back. This catches what the walk above cannot see, such as the members of a SET
        # OF (the certificates of an operator's chain or of a TSA token) out of DER order.
        if not (_round_trips(info) and all(_round_trips(_tst_info(t)) for t in tokens)):
            return False
        listed = metadata.get("certificates_sha256")
        if not isinstance(listed, list) or sorted(listed) != sorted(
            hashlib.sha256(c.chosen.dump()).hexdigest() for c in signed_data["certificates"]
        ):
            return False
        # Our seals carry no unsigned attribute but the timestamp token; an unknown one is what a
        # changed byte in the token's attribute type looks like (the token is then ignored).
        for signer_info in signed_data["signer_infos"]:
            for attr in signer_info["unsigned_attrs"] or ():
                if attr["type"].native != "signature_time_stamp_token":
                    return False
        containers = [signed_data, *tokens]
        return all(_framing_consistent(sd) for sd in containers) and all(
            _certificates_bound(sd) for sd in containers[1:]
        )
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        logger.debug("CMS canonical check failed", exc_info=exc)
        return False


def _framing_consistent(signed_data: cms.SignedData) -> bool:
    # RFC 5652 5.1 and 5.3: each version follows from the structure, and the digest algorithm set
    # is what the signers used.
    signer_infos = list(signed_data["signer_infos"])
    if not all(_no_stray_fields(seq) for seq in (signed_data, *signer_infos)):
        return False
    for signer_info in signer_infos:
        by_serial = signer_info["sid"].name == "issuer_and_serial_number"
        if signer_info["version"].native != ("v1" if by_serial else "v3"):
            return False
        if by_serial and not _sid_matches_exactly(signer_info["sid"].chosen, signed_data):
            return False
    used = {si["digest_algorithm"].dump() for si in signer_infos}
    listed = [alg.dump() for alg in signed_data["digest_algorithms"]]
    if len(listed) != len(used) or set(listed) != used:
        return False
    plain = signed_data["encap_content_info"]["content_type"].native == "data" and all(
        si["version"].native == "v1" for si in signer_infos
    )
    return signed_data["version"].native == ("v1" if plain else "v3")


def _no_stray_fields(seq: Any) -> bool:
    # A parser keeps an element whose tag fits no field aside and reads on; one changed tag bit
    # can so turn the unsigned attributes (the timestamp) into an ignored stray.
    return sum(len(seq[name].dump()) for name in seq) == len(seq.contents)


def _sid_matches_exactly(sid: cms.IssuerAndSerialNumber, signed_data: cms.SignedData) -> bool:
    # Certificate lookup compares names the X.500 way, ignoring case and spacing, so a letter of
    # the issuer name here could change case unnoticed: require the certificate's exact bytes.
    certs = [c.chosen for c in signed_data["certificates"] or () if c.name == "certificate"]
    serial = sid["serial_number"].native
    matching = [c for c in certs if c.serial_number == serial]
    if not matching:
        return True  # no certificate bundled (a TSA may omit its own); validation decides
    issuer = sid["issuer"].dump()
    return any(c["tbs_certificate"]["issuer"].dump() == issuer for c in matching)


def _certificates_bound(signed_data: cms.SignedData) -> bool:
    # A timestamp token's certificates come from the TSA after we signed, so they cannot be listed
    # in our metadata; instead each must carry a valid signature from another certificate in the
    # token (or itself, for a root). The top certificate of a chain whose root the TSA did not
    # include has no issuer to check against and is accepted as it stands.
    certs = [c.chosen for c in signed_data["certificates"] or () if c.name == "certificate"]
    for cert in certs:
        # Issuers are found the X.500 way (ignoring case and spacing) and then verified exactly,
        # so an issuer name with one letter's case changed finds its issuer and fails the check.
        issuers = [c for c in certs if c.subject == cert.issuer]
        if issuers and not any(_issued_by(cert, issuer) for issuer in issuers):
            return False
    return True


def _issued_by(cert: asn1_x509.Certificate, issuer: asn1_x509.Certificate) -> bool:
    try:
        child = x509.load_der_x509_certificate(cert.dump())
        child.verify_directly_issued_by(x509.load_der_x509_certificate(issuer.dump()))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def _timestamp_tokens(signed_data: cms.SignedData) -> list[cms.SignedData]:
    tokens: list[cms.SignedData] = []
    for signer_info in signed_data["signer_infos"]:
        for attr in signer_info["unsigned_attrs"] or ():
            if attr["type"].native == "signature_time_stamp_token":
                tokens.extend(token["content"] for token in attr["values"])
    return tokens


def _round_trips(value: Any) -> bool:
    """``value``, parsed as it was loaded, encodes back to the same bytes as DER."""
    loaded = value.dump()
    return bool(value.__class__.load(loaded, strict=True).dump(force=True) == loaded)


def _tst_info(token: cms.SignedData) -> Any:
    # The token's signed content, a TSTInfo inside an OCTET STRING: not re-encoded with the
    # container unless parsed on its own.
    return token["encap_content_info"]["content"].parsed


def _is_strict_der(data: bytes, depth: int = 0) -> bool:
    """Every TLV in ``data`` in its one DER form, and the TLVs fill ``data`` exactly."""
    pos = 0
    while pos < len(data):
        tag = data[pos]
        if depth > 32 or tag == 0 or tag & 0x1F == 0x1F or pos + 1 >= len(data):
            return False  # too deep, BER's end-of-contents (or zero padding), a high tag number
        first, pos = data[pos + 1], pos + 2
        length = first
        if first & 0x80:
            n = first & 0x7F
            raw = data[pos : pos + n]
            # n == 0 is BER's indefinite length; a leading zero or a short value in long form
            # is a longer spelling of a length that has a shorter one.
            if not 1 <= n <= 4 or len(raw) < n or raw[0] == 0:
                return False
            length, pos = int.from_bytes(raw, "big"), pos + n
            if length < 0x80:
                return False
        value, pos = data[pos : pos + length], pos + length
        if len(value) < length:
            return False
        if tag & 0x20:
            if not _is_strict_der(value, depth + 1):
                return False
        elif tag == 0x01 and value not in (b"\x00", b"\xff"):
            return False  # BOOLEAN: any non-zero byte reads as TRUE in BER
        elif tag == 0x02 and (
            not value
            or (len(value) > 1 and value[0] == 0x00 and value[1] < 0x80)
            or (len(value) > 1 and value[0] == 0xFF and value[1] >= 0x80)
        ):
            return False  # INTEGER with a redundant leading byte
        elif tag == 0x05 and value:
            return False  # NULL has no content
    return True


def _der_prefix(blob: bytes) -> bytes:
    """The DER object at the start of ``blob`` (the rest is the zero padding of /Contents)."""
    if len(blob) < 2 or blob[0] != 0x30:
        raise ValueError("not a DER sequence")
    first = blob[1]
    if first < 0x80:
        header, length = 2, first
    else:
        n = first & 0x7F
        if not 1 <= n <= 4 or len(blob) < 2 + n:
            raise ValueError("bad DER length")
        header, length = 2 + n, int.from_bytes(blob[2 : 2 + n], "big")
    if header + length > len(blob):
        raise ValueError("DER object longer than /Contents")
    return blob[: header + length]


def _sealed_length(sig: EmbeddedPdfSignature) -> int | None:
    try:
        _, _, start, length = (int(v) for v in sig.byte_range)
    except (ValueError, TypeError):
        return None
    return start + length


def _embedded_certs(sig: EmbeddedPdfSignature) -> list[asn1_x509.Certificate]:
    certs = [sig.signer_cert, *sig.other_embedded_certs]
    for token in _timestamp_tokens(sig.signed_data):
        certs.extend(c.chosen for c in token["certificates"] or () if c.name == "certificate")
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
    except Exception:  # noqa: BLE001 - a missing or damaged info dictionary means "no metadata"
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
    return describe_pdf_error(exc)
