"""Verification: a sealed PDF checks out; one changed byte anywhere, or any garbage, does not."""

from __future__ import annotations

import asyncio
import io
import os

import pikepdf
import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers

from signet.pdf.seal import seal_pdf
from signet.pdf.seal_keys import SealIdentity, load_or_create_seal
from signet.pdf.verify import verify_pdf

from .factories import SEAL_METADATA, create_pdf


def test_sealed_pdf_is_reported_intact_with_its_metadata(
    sealed_pdf: bytes, seal_identity: SealIdentity
) -> None:
    result = verify_pdf(sealed_pdf, seal_certificates=[seal_identity.certificate])

    assert result.problems == []
    assert result.is_pdf and result.signed and result.signet_sealed
    assert result.intact and result.valid and result.trusted and result.certified
    assert not result.timestamped
    assert result.signer_subject == "Organization: Acme Signet, Common Name: Signet document seal"
    assert result.signer_fingerprint_sha256 == seal_identity.fingerprint_sha256
    assert result.signed_at is not None and result.signed_at.tzinfo is not None
    assert result.signet_metadata is not None
    assert result.signet_metadata["signing_request_id"] == SEAL_METADATA["signing_request_id"]
    assert result.signet_metadata["signers"] == SEAL_METADATA["signers"]


def test_trust_needs_the_installation_certificate(sealed_pdf: bytes) -> None:
    result = verify_pdf(sealed_pdf)

    assert result.intact and result.valid and not result.trusted


def _byte_range(data: bytes) -> list[int]:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return [int(v) for v in pdf.Root.AcroForm.Fields[0].V.ByteRange]


def _offsets(data: bytes) -> dict[str, int]:
    _, contents_start, contents_end, _ = _byte_range(data)
    # The signer identifier (issuer name + serial) comes last of the three copies of the name.
    issuer_in_sid = data.rindex(b"document seal".hex().upper().encode(), 0, contents_end)
    return {
        "header": 5,
        "page content": data.index(b"stream") + 20,
        "middle of signed content": contents_start // 2,
        "signature dictionary": data.index(b"/SubFilter", contents_end) + 3,
        "cms framing": contents_start + 7,
        # Hex digit offsets into the DER: SignedData version, then the digest algorithm OID.
        "cms version": contents_start + 52,
        "cms digest algorithm list": contents_start + 82,
        "cms signer identifier": issuer_in_sid,
        "cms signature": contents_start + 900,
        "contents padding": contents_end - 10,
        "contents closing bracket": contents_end - 1,
        "after contents": contents_end + 5,
        "xref": data.rindex(b"xref") + 10,
        "trailer": data.rindex(b"/Root") + 2,
        "startxref": data.rindex(b"startxref") + 11,
        "eof marker": len(data) - 3,
        "last byte": len(data) - 1,
    }


@pytest.mark.parametrize("mask", [0x01, 0x02, 0x10, 0x20])
@pytest.mark.parametrize(
    "where",
    [
        "header",
        "page content",
        "middle of signed content",
        "signature dictionary",
        "cms framing",
        "cms version",
        "cms digest algorithm list",
        "cms signer identifier",
        "cms signature",
        "contents padding",
        "contents closing bracket",
        "after contents",
        "xref",
        "trailer",
        "startxref",
        "eof marker",
        "last byte",
    ],
)
def test_changing_any_byte_is_detected(sealed_pdf: bytes, where: str, mask: int) -> None:
    offset = _offsets(sealed_pdf)[where]
    tampered = bytearray(sealed_pdf)
    tampered[offset] ^= mask

    result = verify_pdf(bytes(tampered))

    assert not result.intact and not result.valid
    assert result.problems


@pytest.mark.parametrize("tail", [b"\n", b" ", b"\x00", b"x", b"%%EOF\n", b"\n%%EOF\n"])
def test_appending_bytes_is_detected(sealed_pdf: bytes, tail: bytes) -> None:
    result = verify_pdf(sealed_pdf + tail)

    assert not result.intact
    assert result.problems


def test_incremental_update_after_the_seal_is_detected(sealed_pdf: bytes) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(sealed_pdf))
    writer.root["/PageMode"] = generic.NameObject("/UseOutlines")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)

    result = verify_pdf(out.getvalue())

    assert result.signet_sealed
    assert not result.intact
    assert "The document was changed after it was sealed" in result.problems


def test_pdf_signed_by_someone_else_is_not_a_signet_seal(seal_identity: SealIdentity) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(create_pdf(1)))
    signed = signers.sign_pdf(
        writer, signers.PdfSignatureMetadata(field_name="Other"), signer=seal_identity.signer
    ).getvalue()

    result = verify_pdf(signed)

    assert result.signed and result.intact
    assert not result.signet_sealed and result.signet_metadata is None
    assert "The PDF is signed, but not sealed by Signet" in result.problems


@pytest.mark.parametrize(
    "data, problem",
    [
        (b"", "empty"),
        (os.urandom(4096), "not a PDF"),
        (b"%PDF-1.7\n", "cannot be read"),
        (b"%PDF-1.7\n" + os.urandom(4096), "cannot be read"),
    ],
)
def test_garbage_gives_a_result_not_an_exception(data: bytes, problem: str) -> None:
    result = verify_pdf(data)

    assert not result.is_pdf and not result.signed and not result.intact
    assert any(problem in p for p in result.problems)


def test_truncated_sealed_pdf_is_not_intact(sealed_pdf: bytes) -> None:
    for cut in (len(sealed_pdf) // 3, len(sealed_pdf) - 50, len(sealed_pdf) - 2000):
        result = verify_pdf(sealed_pdf[:cut])
        assert not result.intact and result.problems


def test_unsigned_pdf_is_reported_unsigned() -> None:
    result = verify_pdf(create_pdf(2))

    assert result.is_pdf and not result.signed and not result.intact
    assert result.problems == ["The PDF is not signed"]


def test_verify_works_inside_a_running_event_loop(sealed_pdf: bytes) -> None:
    async def endpoint() -> bool:
        return verify_pdf(sealed_pdf).intact

    assert asyncio.run(endpoint())


def test_seal_works_inside_a_running_event_loop(seal_identity: SealIdentity) -> None:
    async def job() -> bytes:
        return seal_pdf(
            create_pdf(1), seal_identity, reason="r", location=None, tsa_url=None, metadata={}
        )

    assert verify_pdf(asyncio.run(job())).intact


@pytest.fixture(scope="module")
def timestamped_pdf(original_pdf: bytes, seal_identity: SealIdentity, tsa_url: str) -> bytes:
    return seal_pdf(
        original_pdf,
        seal_identity,
        reason="r",
        location=None,
        tsa_url=tsa_url,
        metadata=SEAL_METADATA,
    )


def _hex_offset(data: bytes, der: bytes) -> int:
    return data.index(der.hex().upper().encode())


@pytest.mark.parametrize(
    "where", ["unsigned attributes tag", "attribute type", "tst info", "tsa certificate"]
)
def test_changing_the_timestamp_token_is_detected(timestamped_pdf: bytes, where: str) -> None:
    reader = PdfFileReader(io.BytesIO(timestamped_pdf))
    [sig] = reader.embedded_signatures
    [attr] = sig.signer_info["unsigned_attrs"]
    token = attr["values"][0]["content"]
    if where == "unsigned attributes tag":
        # [1] (A1 82 len len) just before the attribute: made [0], the token would be skipped.
        offset = _hex_offset(timestamped_pdf, attr.dump()) - 7
        assert timestamped_pdf[offset - 1 : offset + 1] == b"A1"
    elif where == "attribute type":
        offset = _hex_offset(timestamped_pdf, attr["type"].dump()) + 20
    elif where == "tst info":
        tst_info = token["encap_content_info"]["content"].parsed.dump()
        offset = _hex_offset(timestamped_pdf, tst_info) + len(tst_info)
    else:
        cert = token["certificates"][0].chosen.dump()
        offset = _hex_offset(timestamped_pdf, cert) + 300
    assert verify_pdf(timestamped_pdf).intact
    tampered = bytearray(timestamped_pdf)
    tampered[offset] ^= 0x01

    result = verify_pdf(bytes(tampered))

    assert not result.intact and result.problems


def _swap_first_two_certificates(data: bytes, certificates: list[bytes]) -> bytes:
    """``data`` with the CMS set of ``certificates`` (DER, in stored order) holding its first two
    in the other order: the same bytes, the same length, no longer sorted as DER requires."""
    first, second = certificates[0], certificates[1]
    stored = (first + second).hex().upper().encode()
    assert data.count(stored) == 1
    return data.replace(stored, (second + first).hex().upper().encode())


def test_reordered_certificates_of_an_operator_chain_are_detected(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from .factories import create_p12

    blob, _, _ = create_p12(b"pw")
    (tmp_path / "seal.p12").write_bytes(blob)
    identity = load_or_create_seal(tmp_path, str(tmp_path / "seal.p12"), "pw")
    sealed = seal_pdf(
        create_pdf(1), identity, reason="r", location=None, tsa_url=None, metadata=SEAL_METADATA
    )
    [sig] = PdfFileReader(io.BytesIO(sealed)).embedded_signatures
    certificates = [c.chosen.dump() for c in sig.signed_data["certificates"]]
    assert len(certificates) == 2 and verify_pdf(sealed).intact

    result = verify_pdf(_swap_first_two_certificates(sealed, certificates))

    assert not result.intact and result.problems


def test_reordered_certificates_of_a_timestamp_token_are_detected(timestamped_pdf: bytes) -> None:
    [sig] = PdfFileReader(io.BytesIO(timestamped_pdf)).embedded_signatures
    [attr] = sig.signer_info["unsigned_attrs"]
    token = attr["values"][0]["content"]
    certificates = [c.chosen.dump() for c in token["certificates"]]
    assert len(certificates) >= 2 and verify_pdf(timestamped_pdf).intact

    result = verify_pdf(_swap_first_two_certificates(timestamped_pdf, certificates))

    assert not result.intact and result.problems
