"""Write a signed incremental update and embed its CMS signature, hashing the original only once.

pyHanko's ``PdfSigner.sign_pdf`` writes the update and then hashes the whole file for the
signature's byte range: 10 ms for a 20 MB original, every time it is sealed. This runs the same
steps through pyHanko's interrupted-signing API (signing session, to-be-signed document, CMS from
the signer, ``PdfTBSDocument.async_finish_signing``) and computes the byte-range digest itself,
from an :class:`OriginalHash` of the original when the update was appended to exactly those bytes,
and from the whole file otherwise.
"""

from __future__ import annotations

import hashlib
import io

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_byterange import PdfByteRangeDigest, PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument

from signet.pdf.original_hash import OriginalHash

__all__ = ["embed_signature"]


async def embed_signature(
    writer: IncrementalPdfFileWriter,
    pdf_signer: signers.PdfSigner,
    *,
    bytes_reserved: int | None,
    original: OriginalHash | None,
) -> io.BytesIO:
    """Sign ``writer``'s update as ``pdf_signer.sign_pdf`` would; returns the signed file's buffer.

    The update is appended to the writer's own input buffer when it is a ``BytesIO`` (the
    buffer is then returned), else the whole file is written to a new one. ``original`` is used
    only when that input buffer still holds exactly ``original.original``, untouched.
    """
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
    prefix: OriginalHash | None = None
    if isinstance(stream, io.BytesIO):
        # Appended to the input buffer: right after the hashed original, if it holds exactly it.
        if original is not None and original.is_held_by(stream):
            prefix = original
        writer.write_in_place()
        output = stream
    else:
        output = io.BytesIO()
        writer.write(output)
    prepared = _byte_range_digest(output, signature, tbs.md_algorithm, prefix)

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
    await PdfTBSDocument.async_finish_signing(
        output,
        prepared,
        cms,
        post_sign_instr=tbs.post_sign_instructions,
        validation_context=tbs.validation_context,
    )
    return output


def _byte_range_digest(
    output: io.BytesIO,
    signature: PdfByteRangeDigest,
    md_algorithm: str,
    prefix: OriginalHash | None,
) -> PreparedByteRangeDigest:
    """Fill in the /ByteRange and hash it: everything but the reserved /Contents placeholder."""
    end = output.tell()
    start, stop = signature.contents.offsets
    signature.byte_range.fill_offsets(output, start, stop, end)
    skip = len(prefix.original) if prefix is not None else 0
    if md_algorithm != "sha256" or start < skip:  # the placeholder is always in the update
        prefix, skip = None, 0
    digest = prefix.state() if prefix is not None else hashlib.new(md_algorithm)
    with output.getbuffer() as buffer:
        digest.update(buffer[skip:start])
        digest.update(buffer[stop:end])
    return PreparedByteRangeDigest(digest.digest(), start, stop)
