"""Archive timestamp renewal (PAdES B-LTA, docs/evidence.md): keep a sealed file's evidence
verifiable after its last document timestamp's certificate expires.

A document timestamp proves the file existed, with its validation data, at that time, for as
long as the timestamp's own certificate can be checked. Before that certificate expires, a new
document timestamp is added by incremental update, after the validation data of the previous
one (its chain, OCSP responses, CRLs) in the document security store: pyHanko's
``update_archival_timestamp_chain``. The chain of timestamps can be extended this way forever.
The seal's "no changes" certification allows exactly these updates.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import Iterable
from datetime import datetime

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.signers import PdfTimeStamper
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.validation import DocumentSecurityStore

from signet.pdf.seal import TSA_TIMEOUT_SECONDS, SealError, run_outside_event_loop
from signet.pdf.seal_lta import hint, validation_context

__all__ = ["archive_expiry", "renew_archive_timestamp", "tsa_certificate_expiry"]


def archive_expiry(data: bytes) -> datetime | None:
    """When the certificate of ``data``'s last document timestamp expires; None when the file
    has no document timestamp (or cannot be read)."""
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        stamps = list(reader.embedded_timestamp_signatures)
        if not stamps:
            return None
        expiry: datetime = stamps[-1].signer_cert.not_valid_after
        return expiry
    except Exception:  # noqa: BLE001 - a file we cannot read has nothing to renew
        return None


def renew_archive_timestamp(
    data: bytes,
    tsa_url: str,
    *,
    extra_trust_roots: Iterable[asn1_x509.Certificate] = (),
) -> bytes:
    """``data`` with the validation data of its last document timestamp and a new document
    timestamp appended; ``data`` is an exact prefix of the result.

    The last timestamp's chain is built up to the self-signed certificates it bundles, those
    the file's DSS already holds and ``extra_trust_roots``, with revocation data required as
    for a B-LTA seal. Raises :class:`SealError` when the file has no document timestamp or the
    evidence cannot be had.
    """
    roots = list(extra_trust_roots)
    return run_outside_event_loop(lambda: _renew(data, tsa_url, roots))


def _renew(data: bytes, tsa_url: str, extra_roots: list[asn1_x509.Certificate]) -> bytes:
    try:
        reader = PdfFileReader(io.BytesIO(data))
        stamps = list(reader.embedded_timestamp_signatures)
        if not stamps:
            raise SealError("The file has no document timestamp to renew (it is not B-LTA)")
        token_certs = stamps[-1].signed_data["certificates"] or ()
        bundled = [c.chosen for c in token_certs if c.name == "certificate"]
        # The certificates the file already holds for its earlier validation (roots included).
        if "/DSS" in reader.root:
            bundled += DocumentSecurityStore.read_dss(reader).load_certs()
        roots = [*extra_roots, *(c for c in bundled if c.self_signed in ("yes", "maybe"))]
        context = validation_context(roots, bundled)
        stamper = PdfTimeStamper(HTTPTimeStamper(tsa_url, timeout=TSA_TIMEOUT_SECONDS))
        out = stamper.update_archival_timestamp_chain(reader, context, in_place=False)
        return bytes(out.getvalue())
    except SealError:
        raise
    except Exception as exc:  # noqa: BLE001 - network, validation and PDF errors alike
        raise SealError(f"The archive timestamp could not be renewed: {exc}{hint(exc)}") from exc


def tsa_certificate_expiry(tsa_url: str) -> datetime:
    """When the certificate the TSA signs with now expires: a timestamp of a fixed digest is
    asked for and its signer's certificate read. Raises :class:`SealError`."""

    async def ask() -> cms.ContentInfo:
        stamper = HTTPTimeStamper(tsa_url, timeout=TSA_TIMEOUT_SECONDS)
        return await stamper.async_timestamp(hashlib.sha256(b"signet").digest(), "sha256")

    try:
        token = run_outside_event_loop(lambda: asyncio.run(ask()))
        signed = token["content"]
        sid = signed["signer_infos"][0]["sid"]
        for choice in signed["certificates"] or ():
            cert = choice.chosen
            if choice.name == "certificate" and _issued_as(cert, sid):
                expiry: datetime = cert.not_valid_after
                return expiry
    except Exception as exc:  # noqa: BLE001 - network and token errors alike
        raise SealError(f"The time-stamping authority {tsa_url} cannot be asked: {exc}") from exc
    raise SealError(f"The time-stamping authority {tsa_url} does not send its certificate")


def _issued_as(cert: asn1_x509.Certificate, sid: cms.SignerIdentifier) -> bool:
    if sid.name == "issuer_and_serial_number":
        chosen = sid.chosen
        return bool(
            chosen["issuer"] == cert.issuer and chosen["serial_number"].native == cert.serial_number
        )
    return bool(sid.chosen.native == cert.key_identifier)
