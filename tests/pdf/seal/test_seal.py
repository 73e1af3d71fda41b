"""Sealing: a PAdES certification signature appended by incremental update, valid in pyHanko."""

from __future__ import annotations

import hashlib
import io
import json
from typing import Any

import pikepdf
import pytest
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import MDPPerm
from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from signet.pdf.original_hash import OriginalHash
from signet.pdf.seal import SealError, seal_pdf
from signet.pdf.seal_keys import SealIdentity
from signet.pdf.verify import verify_pdf

from .factories import SEAL_METADATA, create_pdf


def test_sealed_pdf_validates_as_intact_certified_pades_in_pyhanko(
    sealed_pdf: bytes, seal_identity: SealIdentity
) -> None:
    reader = PdfFileReader(io.BytesIO(sealed_pdf))
    [sig] = reader.embedded_signatures
    context = ValidationContext(trust_roots=[seal_identity.certificate])

    status = validate_pdf_signature(sig, signer_validation_context=context)

    assert status.intact and status.valid and status.trusted and status.bottom_line
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.docmdp_ok
    assert sig.docmdp_level == MDPPerm.NO_CHANGES
    assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert sig.sig_object["/Reason"] == "Signing completed; sealed by Signet"
    assert sig.sig_object["/Prop_Build"]["/App"]["/Name"] == "/Signet"


def test_original_bytes_are_an_exact_prefix_of_the_sealed_pdf(
    original_pdf: bytes, sealed_pdf: bytes
) -> None:
    assert sealed_pdf.startswith(original_pdf)
    assert len(sealed_pdf) > len(original_pdf)


def test_seal_field_is_invisible(sealed_pdf: bytes) -> None:
    with pikepdf.open(io.BytesIO(sealed_pdf)) as pdf:
        [field] = pdf.Root.AcroForm.Fields
        rect = [float(v) for v in field.Rect]

    assert field.T == "SignetSeal"
    assert rect[2] - rect[0] == 0 and rect[3] - rect[1] == 0


def test_metadata_sits_in_the_signed_revision(sealed_pdf: bytes) -> None:
    reader = PdfFileReader(io.BytesIO(sealed_pdf))
    [sig] = reader.embedded_signatures
    info = reader.get_historical_resolver(sig.signed_revision).trailer_view["/Info"]

    stored = json.loads(str(info["/SignetSeal"]))

    assert stored["signers"][0]["name"] == "Zoë Müller"
    assert stored["signing_request_id"] == SEAL_METADATA["signing_request_id"]
    assert stored["variant"] == "final"
    # The revision the signature covers is the last one: the metadata is under the signature.
    assert sig.signed_revision == reader.xrefs.total_revisions - 1


def test_timestamped_seal_is_pades_b_t(
    original_pdf: bytes, seal_identity: SealIdentity, tsa_url: str
) -> None:
    sealed = seal_pdf(
        original_pdf,
        seal_identity,
        reason="r",
        location=None,
        tsa_url=tsa_url,
        metadata=SEAL_METADATA,
    )
    result = verify_pdf(sealed)

    assert sealed.startswith(original_pdf)
    assert result.intact and result.timestamped, result.problems
    assert result.signed_at is not None


def test_unreachable_tsa_fails_the_seal(original_pdf: bytes, seal_identity: SealIdentity) -> None:
    with pytest.raises(SealError):
        seal_pdf(
            original_pdf,
            seal_identity,
            reason="r",
            location=None,
            tsa_url="http://127.0.0.1:9/tsa",
            metadata=SEAL_METADATA,
        )


def test_a_pdf_already_signed_gets_an_approval_seal(
    original_pdf: bytes, seal_identity: SealIdentity
) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(original_pdf))
    signed = signers.sign_pdf(
        writer, signers.PdfSignatureMetadata(field_name="Customer"), signer=seal_identity.signer
    ).getvalue()

    sealed = seal_pdf(
        signed, seal_identity, reason="r", location=None, tsa_url=None, metadata=SEAL_METADATA
    )
    reader = PdfFileReader(io.BytesIO(sealed))

    assert sealed.startswith(signed)
    assert [s.field_name for s in reader.embedded_signatures] == ["Customer", "SignetSeal"]
    assert reader.embedded_signatures[1].docmdp_level is None  # certification must come first
    assert verify_pdf(sealed).intact


def _seal_with(pdf: bytes, identity: SealIdentity, original: OriginalHash) -> tuple[bytes, Any]:
    """``pdf`` sealed with ``original`` as its precomputed hash, and pyHanko's verdict."""
    sealed = seal_pdf(
        pdf,
        identity,
        reason="r",
        location=None,
        tsa_url=None,
        metadata=SEAL_METADATA,
        original=original,
    )
    [sig] = PdfFileReader(io.BytesIO(sealed)).embedded_signatures
    context = ValidationContext(trust_roots=[identity.certificate])
    return sealed, validate_pdf_signature(sig, signer_validation_context=context)


def test_a_seal_digested_from_the_hash_of_the_original_made_earlier_validates(
    original_pdf: bytes, seal_identity: SealIdentity
) -> None:
    hashed = OriginalHash(original_pdf)
    sealed, status = _seal_with(original_pdf, seal_identity, hashed)

    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert verify_pdf(sealed).intact
    assert hashed.hexdigest_of(sealed) == hashlib.sha256(sealed).hexdigest()


def test_the_hash_of_other_bytes_cannot_make_a_bad_seal(
    original_pdf: bytes, seal_identity: SealIdentity
) -> None:
    # Same length and one byte apart: were its hash taken for the original's, the seal's
    # digest would be wrong and the signature broken.
    other = bytearray(original_pdf)
    other[20] ^= 0x01
    for wrong in (OriginalHash(bytes(other)), OriginalHash(create_pdf(5))):
        sealed, status = _seal_with(original_pdf, seal_identity, wrong)

        assert status.intact
        assert verify_pdf(sealed).intact


def test_sealing_a_sealed_pdf_is_refused(sealed_pdf: bytes, seal_identity: SealIdentity) -> None:
    with pytest.raises(SealError, match="forbids all changes"):
        seal_pdf(sealed_pdf, seal_identity, reason="r", location=None, tsa_url=None, metadata={})


def test_seal_of_a_500_page_document_is_an_incremental_update(
    seal_identity: SealIdentity,
) -> None:
    big = create_pdf(500)

    sealed = seal_pdf(
        big, seal_identity, reason="r", location=None, tsa_url=None, metadata=SEAL_METADATA
    )

    assert sealed.startswith(big)
    assert len(sealed) - len(big) < 64 * 1024
    assert verify_pdf(sealed).intact


def test_unreadable_input_raises_seal_error(seal_identity: SealIdentity) -> None:
    with pytest.raises(SealError, match="cannot be opened"):
        seal_pdf(
            b"%PDF-1.7\nnot really",
            seal_identity,
            reason="r",
            location=None,
            tsa_url=None,
            metadata={},
        )
