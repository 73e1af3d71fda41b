"""Each pyHanko behaviour that ``pdf/seal_embed.py`` relies on beyond its public API.

When one of these fails after a pyHanko upgrade, the module docstring of ``seal_embed`` says
what to do; sealing itself falls back to pyHanko's public ``async_sign_pdf`` when the private
writer methods are gone (tested last here).
"""

from __future__ import annotations

import asyncio
import io
import re

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_byterange import PdfByteRangeDigest, PreparedByteRangeDigest

from signet.pdf import seal_embed
from signet.pdf.seal import seal_pdf
from signet.pdf.seal_embed import ReservedSpaceTooSmall, embed_signature
from signet.pdf.seal_keys import SealIdentity
from signet.pdf.verify import verify_pdf

from .factories import SEAL_METADATA, create_pdf

RESERVE = 4096


def _writer(data: bytes) -> IncrementalPdfFileWriter:
    return IncrementalPdfFileWriter(io.BytesIO(data))


def _signer(identity: SealIdentity) -> signers.PdfSigner:
    meta = signers.PdfSignatureMetadata(field_name="Sig", md_algorithm="sha256")
    return signers.PdfSigner(meta, signer=identity.signer)


def _prepared(identity: SealIdentity, data: bytes) -> tuple[IncrementalPdfFileWriter, object]:
    """A writer whose signature dictionary is prepared with RESERVE hex digits, as in
    ``embed_signature``, and the to-be-signed document."""
    writer = _writer(data)
    pdf_signer = _signer(identity)
    session = pdf_signer.init_signing_session(writer)
    validation_info = asyncio.run(session.perform_presign_validation(writer))
    tbs = session.prepare_tbs_document(validation_info=validation_info, bytes_reserved=RESERVE)
    return writer, tbs


def _signature_dictionary(writer: IncrementalPdfFileWriter) -> object:
    [value] = [v for _, v, _ in fields.enumerate_sig_fields(writer, with_name="Sig")]
    return value.get_object()


def test_the_fast_path_is_available_in_this_pyhanko() -> None:
    # Without the private writer methods sealing still works, but ~3x slower at 20 MB: an
    # upgrade that removes them must be noticed here, not in production timings.
    assert seal_embed.fast_path_available()


def test_the_private_update_writer_appends_exactly_what_write_appends() -> None:
    data = create_pdf(2)
    public, private = _writer(data), _writer(data)
    for writer in (public, private):
        writer.set_info(
            generic.DictionaryObject({generic.NameObject("/Title"): generic.pdf_string("x")})
        )
    whole = io.BytesIO()
    public.write(whole)

    update = seal_embed._Update(len(data))
    private._prep_dom_for_writing()
    private._write_updated_section(update)

    assert whole.getvalue().startswith(data)
    assert _fixed(data + update.getvalue()) == _fixed(whole.getvalue())


def _fixed(pdf: bytes) -> bytes:
    """``pdf`` with what differs from one writer to the next blanked: the second half of the
    document ID (random per writer) and the modification time (to the second)."""
    pdf = re.sub(rb"(/ID \[ <[0-9a-f]+> <)[0-9a-f]+>", rb"\1>", pdf)
    return re.sub(rb"/ModDate \(D[^)]*\)", b"/ModDate ()", pdf)


def test_the_update_is_written_at_offsets_of_the_whole_file() -> None:
    data = create_pdf(1)
    writer = _writer(data)
    writer.set_info(
        generic.DictionaryObject({generic.NameObject("/Title"): generic.pdf_string("y")})
    )
    update = seal_embed._Update(len(data))
    writer._prep_dom_for_writing()
    writer._write_updated_section(update)
    joined = data + update.getvalue()
    # The new xref section's offset (startxref) points into the joined file, past the original.
    startxref = int(re.findall(rb"startxref\s+(\d+)", joined)[-1])
    assert startxref > len(data) and joined[startxref:].startswith(b"xref")


def test_the_prepared_signature_dictionary_knows_its_placeholder(
    seal_identity: SealIdentity,
) -> None:
    data = create_pdf(1)
    writer, _ = _prepared(seal_identity, data)
    signature = _signature_dictionary(writer)
    assert isinstance(signature, PdfByteRangeDigest)
    writer.digest_aware_write = True  # the flag pyHanko's own byte-range writer sets
    update = seal_embed._Update(len(data))
    writer._prep_dom_for_writing()
    writer._write_updated_section(update)
    joined = data + update.getvalue()

    start, stop = signature.contents.offsets
    assert joined[start:stop] == b"<" + b"0" * RESERVE + b">"

    end = update.tell()
    signature.byte_range.fill_offsets(update, start, stop, end)
    filled = data + update.getvalue()
    byte_range = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", filled)
    assert byte_range is not None
    assert [int(n) for n in byte_range.groups()] == [0, start, stop, end - stop]
    assert len(filled) == len(joined)  # filled in place, over the placeholder's spaces


def test_a_prepared_digest_fills_the_reserved_region_with_the_cms() -> None:
    buffer = io.BytesIO(b"head <" + b"0" * 16 + b"> tail")
    prepared = PreparedByteRangeDigest(b"digest", 5, 5 + 18)
    assert (prepared.reserved_region_start, prepared.reserved_region_end) == (5, 23)

    prepared.fill_with_cms(buffer, b"\xab\xcd")

    assert buffer.getvalue() == b"head <ABCD" + b"0" * 12 + b"> tail"


def test_a_signature_larger_than_its_space_raises_reserved_space_too_small(
    seal_identity: SealIdentity,
) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(create_pdf(1)))
    with pytest.raises(ReservedSpaceTooSmall) as caught:
        asyncio.run(
            embed_signature(writer, _signer(seal_identity), bytes_reserved=256, original=None)
        )
    assert caught.value.reserved == 256 and caught.value.needed > 256


def test_without_the_private_methods_sealing_falls_back_to_the_public_api(
    seal_identity: SealIdentity, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As if a pyHanko release had renamed them.
    monkeypatch.setattr(seal_embed, "_WRITER_INTERNALS", ("_renamed_in_a_future_release",))
    assert not seal_embed.fast_path_available()
    original = create_pdf(2)

    sealed = seal_pdf(
        original, seal_identity, reason="r", location=None, tsa_url=None, metadata=SEAL_METADATA
    )

    assert sealed.startswith(original)
    result = verify_pdf(sealed, seal_certificates=[seal_identity.certificate])
    assert result.intact and result.valid and result.certified


def test_the_update_refuses_writes_into_the_original_and_takes_them_after() -> None:
    update = seal_embed._Update(100)
    update.write(b"abc")
    update.seek(0)  # as pyHanko does once the signature is in
    with pytest.raises(OSError, match="into the original"):
        update.write(b"x")
    update.seek(101)
    update.write(b"Z")
    assert update.getvalue() == b"aZc" and update.tell() == 102


def test_a_signature_dictionary_read_ahead_is_the_one_pyhanko_reads(
    seal_identity: SealIdentity,
) -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader

    data = seal_pdf(
        create_pdf(1), seal_identity, reason="r", location=None, tsa_url=None,
        metadata=SEAL_METADATA,
    )  # fmt: skip
    [(name, field)] = seal_embed.signature_fields(PdfFileReader(io.BytesIO(data))).signed
    assert name == "SignetSeal"

    def dictionary(read_ahead: bool) -> generic.DictionaryObject:
        reader = PdfFileReader(io.BytesIO(data))
        ref = seal_embed.signature_fields(reader).signed[0][1].raw_get("/V")
        assert seal_embed.cache_signature_dictionary(reader, ref) is read_ahead or not read_ahead
        value = ref.get_object()
        assert isinstance(value, generic.DictionaryObject)
        return value

    ours, theirs = dictionary(True), dictionary(False)
    assert dict(ours) == dict(theirs)
    assert type(ours["/Contents"]) is type(theirs["/Contents"])
    assert len(ours["/Contents"]) == 16 * 1024  # the whole reservation, zeros included

    # A /Contents elsewhere than where /ByteRange leaves its gap: left to pyHanko.
    start = data.rindex(b"/Contents <")
    moved = data[:start] + b"/Contents  <" + data[start + len(b"/Contents <") : -1]
    reader = PdfFileReader(io.BytesIO(moved), strict=False)
    ref = seal_embed.signature_fields(reader).signed[0][1].raw_get("/V")
    assert not seal_embed.cache_signature_dictionary(reader, ref)


def test_signature_fields_names_fields_without_reading_signatures(tmp_path) -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader

    from signet.pdf.signer_signature import SignerMark, add_signer_signatures, signer_certificate
    from signet.pdf.signing_ca import load_or_create_signing_ca

    original = create_pdf(1)
    ca = load_or_create_signing_ca(tmp_path)
    marks = [SignerMark("Ann", "ann@example.com"), SignerMark("Ben", "ben@example.com")]
    keys = [signer_certificate(ca, m.name, m.email) for m in marks]
    signed = add_signer_signatures(lambda: _writer(original), original, marks, keys, ca)
    reader = PdfFileReader(io.BytesIO(signed))
    found = seal_embed.signature_fields(reader)
    assert found.names == {"SignetSigner1", "SignetSigner2"}
    assert [name for name, _ in found.signed] == ["SignetSigner1", "SignetSigner2"]
    # Their signature dictionaries (and /Contents) were not read to find this.
    refs = [f.raw_get("/V").reference for _, f in found.signed]
    assert not reader.resolved_objects.keys() & {(r.generation, r.idnum) for r in refs}
    assert seal_embed.signature_fields(PdfFileReader(io.BytesIO(original))).names == set()


def test_a_known_hash_continues_the_previous_one() -> None:
    import hashlib

    from signet.pdf.original_hash import OriginalHash

    head = b"%PDF-1.7 head" * 1000
    data = head + b" and an update"
    known = seal_embed.KnownHash.after(OriginalHash(head), head, data)
    assert known.state().hexdigest() == hashlib.sha256(data).hexdigest()
    copy = bytes(bytearray(data))
    assert known.is_held_by(io.BytesIO(data)) and not known.is_held_by(io.BytesIO(copy))
    # Another file's hash, or bytes that do not follow ``head``: hashed from scratch, right.
    other = seal_embed.KnownHash.after(OriginalHash(b"other"), head, data)
    assert other.state().hexdigest() == hashlib.sha256(data).hexdigest()
    elsewhere = seal_embed.KnownHash.after(known, data, b"not after" + data)
    assert elsewhere.state().hexdigest() == hashlib.sha256(b"not after" + data).hexdigest()


def test_the_timestamp_client_opens_its_sessions_where_stamper_expects() -> None:
    from pyhanko.sign.timestamps import HTTPTimeStamper

    # Stamper overrides this to reuse one TLS context; renamed upstream, every timestamp
    # request would load certifi's bundle again (~20 ms), silently.
    assert callable(getattr(HTTPTimeStamper, "_acquire_session", None))

    async def session_of(stamper: seal_embed.Stamper) -> tuple[object, object]:
        contexts = []
        for _ in range(2):
            async with stamper._acquire_session() as session:
                contexts.append(session.connector._ssl)  # type: ignore[union-attr]
            assert session.closed  # closed with its request, as pyHanko's own
        return contexts[0], contexts[1]

    first, second = asyncio.run(session_of(seal_embed.Stamper("http://127.0.0.1:9/")))
    assert first is second  # one TLS context for both requests
