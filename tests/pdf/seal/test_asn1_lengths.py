"""asn1crypto reads a definite length ending in 0x80 as indefinite (asn1_lengths.py): with the fix,
such a value keeps its bytes, a real indefinite length is still re-encoded, and seals stay DER."""

from __future__ import annotations

import io

import pytest
from asn1crypto import cms, core
from pyhanko.pdf_utils.reader import PdfFileReader

from signet.pdf import asn1_lengths
from signet.pdf.seal import seal_pdf
from signet.pdf.seal_keys import SealIdentity

from .factories import SEAL_METADATA, create_pdf


@pytest.mark.parametrize(
    ("header", "indefinite"),
    [
        (b"\x30\x80", True),  # SEQUENCE, indefinite
        (b"\x30\x81\x80", False),  # 128 bytes
        (b"\x30\x82\x01\x80", False),  # 384 bytes
        (b"\x30\x82\x80\x00", False),
        (b"\xa0\x82\x01\x84\x30\x82\x01\x80", False),  # explicit tag around 384 bytes
        (b"\xa0\x80\x30\x80", True),  # both indefinite
        (b"\x9f\x81\x00\x80", True),  # high tag number, indefinite
        (b"\x9f\x81\x00\x81\x80", False),  # high tag number, 128 bytes
        (b"\x30", True),  # unreadable: as before, re-encoded
        (b"\x30\x82\x01", True),
    ],
)
def test_indefinite_lengths_are_told_from_definite_ones(header: bytes, indefinite: bool) -> None:
    assert asn1_lengths.is_indefinite(header) is indefinite


class _Strings(core.SequenceOf):
    _child_spec = core.OctetString


def test_a_definite_length_ending_in_0x80_keeps_its_bytes() -> None:
    asn1_lengths.install()
    # 384 bytes of contents (header 30 82 01 80) holding an OCTET STRING whose length is written
    # in a longer form than DER's (83 00 01 7b, not 82 01 7b): BER that a forced re-encoding
    # would rewrite, shortening the whole value by a byte.
    child = b"\x04\x83\x00\x01\x7b" + b"x" * 379
    ber = b"\x30\x82\x01\x80" + child
    value = _Strings.load(ber)

    assert value.dump() == ber
    assert value.dump() == ber  # the header, recomputed, is the same
    assert value.dump(force=True) == b"\x30\x82\x01\x7f\x04\x82\x01\x7b" + b"x" * 379


def test_a_real_indefinite_length_is_still_written_as_der() -> None:
    asn1_lengths.install()
    assert core.OctetString.load(b"\x24\x80\x04\x03foo\x00\x00").dump() == b"\x04\x03foo"
    seq = _Strings.load(b"\x30\x80\x04\x03foo\x00\x00")
    assert seq.dump() == b"\x30\x05\x04\x03foo"


def test_install_is_idempotent() -> None:
    asn1_lengths.install()
    before = core.Sequence.dump
    asn1_lengths.install()
    assert core.Sequence.dump is before


def test_seal_containers_are_der_whatever_their_lengths(seal_identity: SealIdentity) -> None:
    # The CMS lengths change with the ECDSA signature (70-72 bytes) and the metadata, so a
    # dozen seals cover lengths that end in 0x80 and lengths that do not.
    for n in range(12):
        metadata = {**SEAL_METADATA, "signing_request_id": "r" * n}
        sealed = seal_pdf(
            create_pdf(1),
            seal_identity,
            reason="r",
            location=None,
            tsa_url=None,
            metadata=metadata,
        )
        signature = PdfFileReader(io.BytesIO(sealed)).embedded_signatures[0]
        der = signature.signed_data.dump()
        info = cms.ContentInfo.load(bytes(signature.pkcs7_content))  # /Contents is zero-padded
        assert info["content"].dump() == der
        assert cms.ContentInfo.load(info.dump()).dump(force=True) == info.dump()
