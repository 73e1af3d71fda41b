"""Seal a finished PDF: a PAdES certification signature (DocMDP P=1) added by incremental update.

What the seal proves is recorded as a small JSON object (see :class:`SealMetadata`) in the
document information dictionary, under ``/SignetSeal``, written in the same incremental update as
the signature and therefore covered by it. ``verify.py`` reads it back from the signed revision.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import io
import json
from collections.abc import Callable, Coroutine
from typing import Any, Literal, NotRequired, TypedDict, TypeVar

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.pdf_byterange import BuildProps
from pyhanko.sign.timestamps import HTTPTimeStamper

from signet.pdf.original_hash import OriginalHash
from signet.pdf.seal_embed import (
    PrefixHash,
    ReservedSpaceTooSmall,
    Stamper,
    embed_signature,
    signature_fields,
)
from signet.pdf.seal_keys import SealIdentity

__all__ = [
    "INFO_KEY",
    "SEAL_FIELD_NAME",
    "SealError",
    "SealMetadata",
    "SealSigner",
    "seal_pdf",
    "seal_update",
]

SEAL_FIELD_NAME = "SignetSeal"
INFO_KEY = "/SignetSeal"
METADATA_FORMAT = "signet-seal/1"
# Hex characters reserved for the CMS blob (bytes_reserved counts hex digits, two per DER byte).
# An ECDSA seal is ~1.3 KB of DER and an RFC 3161 token with its TSA chain 2-6 KB more, so 32 KiB
# of hex (16 KB of DER) fits a seal, an operator chain of a few RSA certificates and a timestamp,
# and it skips pyHanko's dry-run signature (and, with a TSA, a second timestamp request) that it
# does to estimate the size. When an unusually large chain overflows it, we retry once with
# pyHanko's own estimate.
BYTES_RESERVED = 32 * 1024
TSA_TIMEOUT_SECONDS = 10

T = TypeVar("T")


class SealError(RuntimeError):
    """The PDF could not be sealed (unreadable input, signer or timestamp failure)."""


class SealSigner(TypedDict):
    name: str
    email: str
    signed_at: str  # ISO 8601, UTC


class SealMetadata(TypedDict):
    """What a verifier shows about a Signet-sealed document; all times ISO 8601 UTC."""

    signing_request_id: str
    variant: Literal["final", "document_only", "certificate_only"]
    completed_at: str
    signers: list[SealSigner]
    installation: NotRequired[str]


def seal_pdf(
    data: bytes,
    identity: SealIdentity,
    *,
    reason: str,
    location: str | None,
    tsa_url: str | None,
    metadata: SealMetadata | dict[str, Any],
    original: PrefixHash | None = None,
) -> bytes:
    """Return ``data`` with a PAdES seal appended; ``data`` is an exact prefix of the result.

    PAdES B-B, or B-T when ``tsa_url`` names an RFC 3161 timestamp server. The signature is a
    certification signature allowing no further changes, unless the input already carries a
    signature (a certification signature must be the first one); then it is an approval signature.
    Synchronous: call it from a worker, it makes its own event loop for pyHanko. ``original``,
    the hash of ``data`` made earlier, spares hashing it again (it is ignored if it is the hash
    of other bytes); without it, ``data`` is hashed on a thread while the update is prepared.
    """
    return seal_update(
        lambda: _open(data),
        identity,
        reason=reason,
        location=location,
        tsa_url=tsa_url,
        metadata=metadata,
        original=original if original is not None else OriginalHash(data),
    )


def seal_update(
    prepare: Callable[[], IncrementalPdfFileWriter],
    identity: SealIdentity,
    *,
    reason: str,
    location: str | None,
    tsa_url: str | None,
    metadata: SealMetadata | dict[str, Any],
    original: PrefixHash | None = None,
) -> bytes:
    """Seal as :func:`seal_pdf` does, in the incremental update that ``prepare`` started.

    ``prepare`` returns an incremental writer over the input, with any changes already made to
    it (stamps, pages); they are written in the same update as the signature, so it covers them.
    It may be called a second time, when the signature outgrows the space reserved for it, and
    must then start again from the unchanged input. Its exceptions propagate as they are. When the
    writer reads from a ``BytesIO``, the signed file is those bytes joined with the signed update
    (see ``seal_embed``); the writer's stream is closed once the signed bytes are out.
    ``original`` is the hash of the input, used for the signature's digest only if that buffer
    was made from exactly its bytes.
    """
    # The fingerprints bind the certificates bundled in the CMS container, which the signature
    # itself does not cover, so a verifier can tell that not one byte of them changed.
    embedded = dict.fromkeys(
        hashlib.sha256(c.dump()).hexdigest() for c in (identity.certificate, *identity.chain)
    )
    payload = json.dumps(
        {"format": METADATA_FORMAT, **metadata, "certificates_sha256": list(embedded)},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    timestamper = Stamper(tsa_url, timeout=TSA_TIMEOUT_SECONDS) if tsa_url else None
    try:
        return run_outside_event_loop(
            lambda: _sign(
                prepare, identity, reason, location, timestamper, payload, original,
                reserve=BYTES_RESERVED,
            )
        )  # fmt: skip
    except ReservedSpaceTooSmall:
        return run_outside_event_loop(
            lambda: _sign(
                prepare, identity, reason, location, timestamper, payload, original, reserve=None
            )
        )


def _open(data: bytes) -> IncrementalPdfFileWriter:
    try:
        return IncrementalPdfFileWriter(io.BytesIO(data))
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        raise SealError(f"The PDF cannot be opened for sealing: {exc}") from exc


def _sign(
    prepare: Callable[[], IncrementalPdfFileWriter],
    identity: SealIdentity,
    reason: str,
    location: str | None,
    timestamper: HTTPTimeStamper | None,
    payload: str,
    original: PrefixHash | None,
    *,
    reserve: int | None,
) -> bytes:
    writer = prepare()
    try:
        # Not pyHanko's embedded_signatures: it parses every earlier signature to list them.
        existing = signature_fields(writer.prev)
        _set_info_entry(writer, payload)
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        raise SealError(f"The PDF cannot be opened for sealing: {exc}") from exc
    field_name = SEAL_FIELD_NAME
    n = 1
    while field_name in existing.names:
        n += 1
        field_name = f"{SEAL_FIELD_NAME}{n}"
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        certify=not existing.signed,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
        reason=reason,
        location=location,
        app_build_props=BuildProps(name="Signet"),
    )
    pdf_signer = signers.PdfSigner(
        meta,
        signer=identity.signer,
        timestamper=timestamper,
        # No box: an invisible field, on the first page.
        new_field_spec=fields.SigFieldSpec(sig_field_name=field_name),
    )
    stream = writer.prev.stream
    try:
        # The original's bytes joined once with the signed update, and hashed once, by
        # ``original`` (see seal_embed).
        return run_coroutine(
            embed_signature(writer, pdf_signer, bytes_reserved=reserve, original=original)
        )
    except ReservedSpaceTooSmall:
        if reserve is None:  # pyHanko's own estimate: never too small
            raise SealError("The PDF could not be sealed: the signature did not fit") from None
        raise
    except SigningError as exc:
        raise SealError(f"The PDF could not be sealed: {exc}") from exc
    except (PdfError, ValueError, OSError) as exc:
        raise SealError(f"The PDF could not be sealed: {exc}") from exc
    finally:
        # pyHanko's reader and writer sit in reference cycles that only the cyclic collector
        # frees, and they keep the input buffer: closing it frees the file-sized memory now.
        stream.close()


def _set_info_entry(writer: IncrementalPdfFileWriter, payload: str) -> None:
    # The info dictionary (rather than the signature dictionary or XMP) because every PDF tool and
    # reader's "document properties" shows it, it needs no XMP parsing to read back, and written
    # in the signing revision it is covered by the signature exactly like the page content.
    info_ref = writer.trailer.raw_get("/Info") if "/Info" in writer.trailer else None
    if isinstance(info_ref, generic.IndirectObject):
        info = info_ref.get_object()
        info[generic.NameObject(INFO_KEY)] = generic.pdf_string(payload)
        writer.update_container(info)
    else:
        info = generic.DictionaryObject({generic.NameObject(INFO_KEY): generic.pdf_string(payload)})
        writer.set_info(info)


def run_coroutine(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to its end on a new event loop, and close the loop.

    Not ``asyncio.run``: on the main thread, Python 3.11's restores its SIGINT handler
    through ``signal.getsignal``, which formats a ValueError holding the repr of the finished
    task, result included. For a sealed 20 MB file that repr took ~300 ms.
    """
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coroutine)
    finally:
        try:
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()


def run_outside_event_loop(fn: Callable[[], T]) -> T:
    # pyHanko's synchronous API calls asyncio.run(), which refuses to run inside a running loop;
    # when we are called from async code, do the work on a short-lived thread instead.
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn).result()
