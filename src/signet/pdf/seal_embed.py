"""Write a signed incremental update and embed its CMS signature, hashing the original only once.

pyHanko's ``PdfSigner.sign_pdf`` writes the update and then hashes the whole file for the
signature's byte range: 10 ms for a 20 MB original, every time it is sealed. This runs the same
steps through pyHanko's interrupted-signing API (signing session, to-be-signed document, CMS from
the signer, filling the reserved /Contents) and computes the byte-range digest itself, from an
:class:`OriginalHash` of the original when the update follows exactly those bytes, and from the
whole file otherwise.

The update is written into a buffer of its own (:class:`_Update`), at the offsets it will have
after the original, and the file is the original and the update joined once. Appending to the
reader's own ``BytesIO``, as pyHanko's ``write_in_place`` does, copies the original into a new
buffer on the first write, grows it, and copies it again to return it: ~12 ms at 20 MB, against
~1.5 ms for one join.

This is the only module that touches pyHanko's internals (the public ``async_sign_pdf`` costs
about 3x at 20 MB: ~88 ms against ~27 ms on the benchmark machine). What it relies on, each
with a test in ``tests/pdf/seal/test_pyhanko_internals.py``:

* ``IncrementalPdfFileWriter._prep_dom_for_writing()`` then ``_write_updated_section(stream)``
  write exactly the bytes ``write()`` appends to the original, through ``tell``/``seek``/
  ``write`` in offsets of the whole file;
* after ``prepare_tbs_document``, the field's signature dictionary is a ``PdfByteRangeDigest``
  whose ``contents.offsets`` are the placeholder's, and ``byte_range.fill_offsets`` fills the
  /ByteRange; ``PreparedByteRangeDigest(digest, start, stop).fill_with_cms`` fills /Contents;
* ``writer.digest_aware_write`` is the flag pyHanko's own byte-range writer sets;
* the CMS must fit in ``reserved_region_end - reserved_region_start - 2`` hex digits.

When a pyHanko upgrade breaks one of them, that test says which. If the private methods are
gone, sealing already falls back to ``async_sign_pdf`` (:func:`_sign_public`) and stays correct,
only slower; restore the fast path from pyHanko's new ``PdfTBSDocument``/``write_in_place``
code, or keep the fallback if it got as fast. Until then, pyHanko stays pinned to a minor
release in pyproject.toml. The policy: docs/dependencies.md.
"""

from __future__ import annotations

import hashlib
import io
from typing import TYPE_CHECKING

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_byterange import PdfByteRangeDigest, PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes

from signet.pdf.original_hash import OriginalHash

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

__all__ = ["ReservedSpaceTooSmall", "embed_signature"]

# The private writer methods the fast path calls (see the module docstring).
_WRITER_INTERNALS = ("_prep_dom_for_writing", "_write_updated_section")


class ReservedSpaceTooSmall(Exception):  # noqa: N818  (a condition the caller retries on)
    """The CMS signature is larger than the space reserved for it in /Contents."""

    def __init__(self, needed: int, reserved: int) -> None:
        super().__init__(f"the signature needs {needed} hex digits, {reserved} were reserved")
        self.needed = needed
        self.reserved = reserved


def fast_path_available() -> bool:
    """True when this pyHanko still has the writer internals the fast path calls."""
    return all(callable(getattr(IncrementalPdfFileWriter, n, None)) for n in _WRITER_INTERNALS)


class _Update(io.BytesIO):
    """The bytes that follow an original of ``base`` bytes, at the offsets they have in the file.

    pyHanko's writer records where each object starts with ``tell`` and fills the byte range and
    the signature with ``seek`` and ``write``, all in offsets of the whole file. It seeks to 0
    after filling the signature; anything written before ``base`` would be lost, so it raises.
    """

    def __init__(self, base: int) -> None:
        super().__init__()
        self.base = base
        self._before_base = False

    def tell(self) -> int:
        return super().tell() + self.base

    def seek(self, pos: int, whence: int = io.SEEK_SET) -> int:
        if whence != io.SEEK_SET:
            self._before_base = False
            return super().seek(pos, whence) + self.base
        self._before_base = pos < self.base
        return super().seek(max(pos - self.base, 0)) + self.base

    def write(self, data: ReadableBuffer, /) -> int:
        if self._before_base:
            raise OSError("the update cannot write into the original")
        return super().write(data)


async def embed_signature(
    writer: IncrementalPdfFileWriter,
    pdf_signer: signers.PdfSigner,
    *,
    bytes_reserved: int | None,
    original: OriginalHash | None,
) -> bytes:
    """Sign ``writer``'s update as ``pdf_signer.sign_pdf`` would; returns the signed file.

    When the writer reads from a ``BytesIO``, its bytes are left as they are and the file is
    those bytes and the signed update; ``original`` is used for the digest only when that
    buffer holds exactly ``original.original``. Otherwise the whole file is written anew.
    Raises :class:`ReservedSpaceTooSmall` when the signature outgrows ``bytes_reserved``.
    """
    if not fast_path_available():
        return await _sign_public(writer, pdf_signer)
    session = pdf_signer.init_signing_session(writer)
    validation_info = await session.perform_presign_validation(writer)
    if bytes_reserved is None:
        bytes_reserved = await session.estimate_signature_container_size(
            validation_info, tight=pdf_signer.signature_meta.tight_size_estimates
        )
    tbs = session.prepare_tbs_document(
        validation_info=validation_info, bytes_reserved=bytes_reserved
    )
    field_name = pdf_signer.signature_meta.field_name
    signature = next(
        (
            value.get_object()
            for name, value, _ in fields.enumerate_sig_fields(writer, with_name=field_name)
            if isinstance(value, generic.PdfObject)
        ),
        None,
    )
    if not isinstance(signature, PdfByteRangeDigest):
        raise ValueError(f"the signature dictionary of field {field_name} was not prepared")

    stream = writer.prev.stream
    writer.digest_aware_write = True  # as pyHanko's own byte-range writer sets it
    head = b""
    output: io.BytesIO
    if isinstance(stream, io.BytesIO):
        # As write_in_place, into a buffer of its own (see the module docstring).
        head = stream.getvalue()  # a BytesIO made from bytes returns them, not a copy
        output = _Update(len(head))
        writer._prep_dom_for_writing()
        writer._write_updated_section(output)
    else:
        output = io.BytesIO()
        writer.write(output)
    held = isinstance(output, _Update) and original is not None and original.is_held_by(stream)
    prefix = original if held else None
    prepared = _byte_range_digest(head, output, signature, tbs.md_algorithm, prefix)

    cms = await tbs.signer.async_sign(
        prepared.document_digest,
        tbs.md_algorithm,
        use_pades=tbs.use_pades,
        timestamper=tbs.timestamper,
        signed_attr_settings=PdfCMSSignedAttributes(
            signing_time=session.system_time,
            adobe_revinfo_attr=(
                None if validation_info is None else validation_info.adobe_revinfo_attr
            ),
            cades_signed_attrs=pdf_signer.signature_meta.cades_signed_attr_spec,
        ),
    )
    if tbs.post_sign_instructions is not None:  # a DSS or document timestamp: never asked for
        raise ValueError("post-signature processing is not supported here")
    # pyHanko reports an overflow only in its error text; measured here instead. Encoded once:
    # asn1crypto walks the whole (freshly built) container on every dump().
    der = cms.dump()
    needed = 2 * len(der)
    reserved = prepared.reserved_region_end - prepared.reserved_region_start - 2  # "<" and ">"
    if needed > reserved:
        raise ReservedSpaceTooSmall(needed, reserved)
    prepared.fill_with_cms(output, der)
    if isinstance(output, _Update):
        return head + output.getvalue()
    return output.getvalue()


async def _sign_public(writer: IncrementalPdfFileWriter, pdf_signer: signers.PdfSigner) -> bytes:
    """The same signature through pyHanko's public API, for a pyHanko without the internals.

    pyHanko sizes /Contents itself (a dry-run signature first), so the space always fits.
    """
    output = io.BytesIO()
    await pdf_signer.async_sign_pdf(writer, output=output)
    return output.getvalue()


def _byte_range_digest(
    head: bytes,
    output: io.BytesIO,
    signature: PdfByteRangeDigest,
    md_algorithm: str,
    prefix: OriginalHash | None,
) -> PreparedByteRangeDigest:
    """Fill in the /ByteRange and hash it: everything but the reserved /Contents placeholder.

    The file is ``head`` followed by ``output``'s buffer; ``prefix``, if given, is the hash
    of ``head``.
    """
    end = output.tell()
    start, stop = signature.contents.offsets
    signature.byte_range.fill_offsets(output, start, stop, end)
    base = len(head)
    if start < base:  # never: the placeholder is written in the update
        raise ValueError("the signature placeholder is not in the update")
    if prefix is not None and md_algorithm == "sha256":
        digest = prefix.state()
    else:
        digest = hashlib.new(md_algorithm, head)
    with output.getbuffer() as buffer:
        digest.update(buffer[: start - base])
        digest.update(buffer[stop - base : end - base])
    return PreparedByteRangeDigest(digest.digest(), start, stop)
