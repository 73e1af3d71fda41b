"""PAdES B-LTA: evidence that outlives the seal's certificate.

A B-T seal proves when it was made, but a verifier in ten years also needs to know that the
seal's certificate was not revoked then, and the signature algorithms may have weakened. So
after sealing, :func:`add_long_term_validation` appends one incremental update: the certificate
chains and revocation data (OCSP responses, CRLs) of the seal, of its timestamp and of the TSA
that signs the document timestamp, in the document security store (DSS), and a document
timestamp over the whole file, DSS included. A later archive timestamp can extend the chain
again. The seal's "no changes" certification allows exactly these changes, so the seal stays
intact.

:func:`long_term_status` reads it back for a verifier: is there validation data, and does the
last document timestamp hold.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.signers import PdfTimeStamper
from pyhanko.sign.signers.pdf_signer import TimestampDSSContentSettings
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.validation import validate_pdf_timestamp
from pyhanko.sign.validation.dss import DocumentSecurityStore, collect_validation_info
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers import OwnedFetcherBackend
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

from signet.pdf.seal import (
    TSA_TIMEOUT_SECONDS,
    SealError,
    run_coroutine,
    run_outside_event_loop,
)
from signet.pdf.seal_embed import (
    Stamper,
    TLSContextSession,
    cache_signature_dictionary,
    signature_fields,
)
from signet.pdf.seal_keys import SealIdentity

T = TypeVar("T")
# pyHanko copies and hashes a file 4 KiB at a time: ~5,000 rounds of Python for 20 MB.
_CHUNK = 1 << 20

__all__ = [
    "LongTerm",
    "Shared",
    "add_long_term_validation",
    "hint",
    "load_roots",
    "long_term_status",
    "validation_context",
]


@dataclass
class Shared:
    """What files sealed together (the three files of a request) share: the validation context
    of the same trust roots, so the chains' OCSP responses and CRLs are fetched once, and the
    TSA client, which asks its TSA once for the size of a token instead of once per file."""

    contexts: dict[tuple[bytes | str, ...], ValidationContext] = field(default_factory=dict)
    stampers: dict[str, HTTPTimeStamper] = field(default_factory=dict)

    def stamper(self, tsa_url: str) -> HTTPTimeStamper:
        if tsa_url not in self.stampers:
            self.stampers[tsa_url] = Stamper(tsa_url, timeout=TSA_TIMEOUT_SECONDS)
        return self.stampers[tsa_url]


@dataclass(frozen=True)
class LongTerm:
    """What a file holds for long-term validation."""

    validation_data: bool = False  # a DSS with certificates and revocation data
    archive_timestamp: datetime | None = None  # the last document timestamp's time
    archive_timestamp_intact: bool = False
    problem: str | None = None


def add_long_term_validation(
    data: bytes,
    identity: SealIdentity,
    tsa_url: str,
    *,
    extra_trust_roots: Iterable[asn1_x509.Certificate] = (),
    shared: Shared | None = None,
) -> bytes:
    """``data`` (a sealed PDF) with validation data and a document timestamp appended.

    Revocation data is fetched from the URLs in the certificates (OCSP, CRL). Every certificate
    of the chains but their roots must have revocation data: a chain without any is refused
    rather than sealed without it. The chains are built up to the self-signed certificates of
    the seal's chain, of the timestamp token and ``extra_trust_roots``: this only gathers
    evidence, a verifier chooses what it trusts. Raises :class:`SealError` when the evidence
    cannot be gathered (a responder is down, a certificate is revoked or names no revocation
    source).

    ``shared``, one :class:`Shared` for several files sealed together, spares fetching the
    same evidence again for each.
    """
    roots = list(extra_trust_roots)
    together = shared if shared is not None else Shared()
    return run_outside_event_loop(lambda: _extend(data, identity, tsa_url, roots, together))


def validation_context(
    trust_roots: list[asn1_x509.Certificate],
    other_certs: Iterable[asn1_x509.Certificate] = (),
) -> ValidationContext:
    """How B-LTA evidence is gathered: fetching allowed, revocation data required for every
    certificate below a root (pyHanko's "require" mode). Its HTTP session is opened for each
    operation and closed with it, over one TLS context (``seal_embed.TLSContextSession``)."""
    return ValidationContext(
        trust_roots=trust_roots,
        other_certs=list(other_certs),
        allow_fetching=True,
        revocation_mode="require",
        # pyHanko's annotation says ClientSession; its code takes its LazySession as well.
        fetcher_backend=OwnedFetcherBackend(
            AIOHttpFetcherBackend(session=TLSContextSession())  # type: ignore[arg-type]
        ),
    )


def load_roots(path: str | None) -> list[asn1_x509.Certificate]:
    """The CA certificates in the PEM file ``path`` (SIGNET_SEAL_LTA_ROOTS); none when unset."""
    if not path:
        return []
    try:
        pems = x509.load_pem_x509_certificates(Path(path).read_bytes())
    except (OSError, ValueError) as exc:
        raise SealError(
            f"SIGNET_SEAL_LTA_ROOTS ({path}) cannot be read as PEM certificates: {exc}"
        ) from exc
    return [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in pems]


def _extend(
    data: bytes,
    identity: SealIdentity,
    tsa_url: str,
    extra_roots: list[asn1_x509.Certificate],
    shared: Shared,
) -> bytes:
    try:
        reader = PdfFileReader(io.BytesIO(data))
        seal = _last_signature(reader)
        roots = [*extra_roots, *_self_signed([identity.certificate, *identity.chain])]
        roots += _self_signed(_token_certs(seal))
        key = (
            tuple(sorted({r.sha256 for r in roots}))
            + ("|",)
            + tuple(sorted({c.sha256 for c in identity.chain}))
        )
        context = shared.contexts.get(key)
        if context is None:
            context = shared.contexts[key] = validation_context(roots, identity.chain)
        return run_coroutine(
            _validation_data_and_timestamp(reader, seal, context, shared.stamper(tsa_url))
        )
    except SealError:
        raise
    except Exception as exc:  # noqa: BLE001 - network, validation and PDF errors alike
        raise SealError(f"Long-term validation data could not be added: {exc}{hint(exc)}") from exc


async def _validation_data_and_timestamp(
    reader: PdfFileReader,
    seal: EmbeddedPdfSignature,
    context: ValidationContext,
    stamper: HTTPTimeStamper,
) -> bytes:
    """One incremental update on ``reader``'s file: the DSS with the seal's validation data and
    the timestamp's, then the document timestamp over it all.

    pyHanko's ``add_validation_info`` then ``timestamp_pdf`` would write three updates (the
    seal's data, the timestamp, the timestamp's data) and read the file anew for each, parsing
    every signature's /Contents again. The one update is what PAdES B-LTA asks: validation data
    covered by a document timestamp, whose own validation data is in the file too.
    """
    try:
        paths = await collect_validation_info(seal, context)
        writer = IncrementalPdfFileWriter.from_reader(reader)
        writer.IO_CHUNK_SIZE = _CHUNK  # it copies the file to its output in pieces of this size
        DocumentSecurityStore.supply_dss_in_writer(
            writer,
            seal.pkcs7_content.hex().encode("ascii"),  # the seal's VRI entry
            validation_context=context,
            paths=paths,
        )
        out = await PdfTimeStamper(stamper).async_timestamp_pdf(
            writer,
            "sha256",
            validation_context=context,
            dss_settings=TimestampDSSContentSettings(update_before_ts=True, include_vri=False),
            chunk_size=_CHUNK,  # and hashes it in pieces of this size
        )
        return bytes(out.getvalue())
    finally:
        await context.aclose()  # the session opened on this event loop


def _last_signature(reader: PdfFileReader) -> EmbeddedPdfSignature:
    """The last signature of the file that is not a document timestamp: the seal.

    Not pyHanko's ``embedded_regular_signatures``, which parses every signature of the file
    (the per-signer ones too) to sort them; this reads only the last signature fields'.
    """
    for name, sig_field in reversed(signature_fields(reader).signed):
        ref = sig_field.raw_get("/V")
        if isinstance(ref, generic.IndirectObject):
            cache_signature_dictionary(reader, ref)  # its /Contents read at C speed
        value = ref.get_object()
        if isinstance(value, generic.DictionaryObject) and value.get("/Type") != "/DocTimeStamp":
            return EmbeddedPdfSignature(reader, sig_field, name)
    raise SealError("The file carries no signature to add long-term validation data for")


def hint(exc: Exception) -> str:
    """What the operator can do about a failure to gather B-LTA evidence."""
    text = str(exc)
    if "validation path" in text:
        return (
            " (if that certificate's root is not in the seal's PKCS#12 chain nor in the timestamp,"
            " add it to SIGNET_SEAL_LTA_ROOTS)"
        )
    if "revocation" in text.lower():
        return (
            " (every certificate below a root needs an OCSP responder or CRL that Signet can"
            " reach: fix that, or seal at SIGNET_SEAL_LEVEL=B-T)"
        )
    return ""


def _token_certs(seal: object) -> list[asn1_x509.Certificate]:
    signed_data = getattr(seal, "signed_data", None)
    if signed_data is None:
        return []
    certs: list[asn1_x509.Certificate] = []
    for signer_info in signed_data["signer_infos"]:
        for attr in signer_info["unsigned_attrs"] or ():
            if attr["type"].native == "signature_time_stamp_token":
                for token in attr["values"]:
                    for choice in token["content"]["certificates"] or ():
                        if choice.name == "certificate":
                            certs.append(choice.chosen)
    return certs


def _self_signed(certs: Iterable[asn1_x509.Certificate]) -> list[asn1_x509.Certificate]:
    return [c for c in certs if c.self_signed in ("yes", "maybe")]


def long_term_status(data: bytes) -> LongTerm:
    """Whether ``data`` carries validation data and an intact document timestamp; never raises."""
    try:
        return run_outside_event_loop(lambda: _status(data))
    except Exception as exc:  # noqa: BLE001 - hostile input must not raise
        return LongTerm(problem=f"the long-term validation data cannot be read: {exc}")


def _status(data: bytes) -> LongTerm:
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    has_dss = "/DSS" in reader.root
    stamps = list(reader.embedded_timestamp_signatures)
    if not stamps:
        return LongTerm(validation_data=has_dss)
    last = stamps[-1]
    embedded = [c.chosen for c in last.signed_data["certificates"] or () if c.name == "certificate"]
    context = ValidationContext(
        trust_roots=embedded, allow_fetching=False, moment=last.self_reported_timestamp
    )
    try:
        status = validate_pdf_timestamp(last, validation_context=context)
        intact = bool(status.intact and status.valid)
        when = status.timestamp
    except Exception:  # noqa: BLE001 - a damaged token
        intact, when = False, None
    return LongTerm(
        validation_data=has_dss,
        archive_timestamp=when,
        archive_timestamp_intact=intact,
        problem=None if intact else "the document time-stamp is damaged",
    )
