"""Incremental stamp-certify-seal: only appends, one update, sealed, and every byte counts."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable

import pikepdf
import pytest
from pdf_factories import create_pdf, create_png, data_uri, page_text
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader

from signet.pdf import incremental
from signet.pdf import seal as seal_module
from signet.pdf.evidence import StampValue
from signet.pdf.incremental import IncrementalUpdateError, plan_stamps
from signet.pdf.original_hash import OriginalHash
from signet.pdf.seal_keys import SealIdentity
from signet.pdf.stamp import StampError
from signet.pdf.verify import verify_pdf

Sealer = Callable[..., bytes]  # the ``seal`` fixture

_VALUES = [
    StampValue(1, 10, 10, 40, 5, "text", "Jane Doe, Chief Executive"),
    StampValue(2, 10, 20, 30, 6, "signature", data_uri(create_png(300, 60))),
    StampValue(3, 60, 80, 20, 4, "date", "2026-11-21"),
]


@pytest.fixture(scope="module")
def certificate() -> bytes:
    return create_pdf(2, label="Certificate page")


def test_original_is_an_exact_prefix_and_the_seal_verifies(
    seal: Sealer, certificate: bytes, identity: SealIdentity
) -> None:
    original = create_pdf(3)
    out = seal(original, _VALUES, certificate)
    assert out.startswith(original)
    result = verify_pdf(out, seal_certificates=[identity.certificate])
    assert result.intact and result.signet_sealed and result.certified, result.problems
    assert result.valid and result.trusted
    assert result.signet_metadata is not None
    assert result.signet_metadata["variant"] == "final"


def test_stamps_certificate_and_seal_are_one_update(seal: Sealer, certificate: bytes) -> None:
    original = create_pdf(3)
    out = seal(original, _VALUES, certificate)
    before = PdfFileReader(io.BytesIO(original)).xrefs.total_revisions
    reader = PdfFileReader(io.BytesIO(out))
    assert reader.xrefs.total_revisions == before + 1
    [signature] = reader.embedded_regular_signatures
    assert signature.signed_revision == before  # the signature is in that one update
    # A classic xref table for a classic original: nothing an old reader cannot follow.
    assert b"\ntrailer" in out[len(original) :]
    assert b"/ObjStm" not in out[len(original) :]


def test_certificate_pages_are_appended(seal: Sealer, certificate: bytes) -> None:
    original = create_pdf(3)
    out = seal(original, _VALUES, certificate)
    with pikepdf.open(io.BytesIO(out)) as pdf:
        assert len(pdf.pages) == 3 + 2
    assert [page_text(out, i).split("\r\n")[0] for i in range(5)] == [
        "Page 1",
        "Page 2",
        "Page 3",
        "Certificate page 1",
        "Certificate page 2",
    ]
    assert "Jane Doe, Chief Executive" in page_text(out, 0)
    assert "11/21/2026" in page_text(out, 2)


def test_a_certificate_that_links_its_own_pages_keeps_the_links(seal: Sealer) -> None:
    pdf = pikepdf.open(io.BytesIO(create_pdf(2, label="Certificate page")))
    target = pdf.pages[1].obj
    link = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Link,
            Rect=pikepdf.Array([10, 10, 100, 30]),
            Dest=pikepdf.Array([target, pikepdf.Name.Fit]),
            P=pdf.pages[0].obj,
        )
    )
    pdf.pages[0].obj.Annots = pikepdf.Array([link])
    buf = io.BytesIO()
    pdf.save(buf)
    out = seal(create_pdf(1), [], buf.getvalue())
    assert verify_pdf(out).intact
    with pikepdf.open(io.BytesIO(out)) as result:
        assert len(result.pages) == 3
        [annot] = [a for a in result.pages[1].obj.Annots if a.Subtype == pikepdf.Name.Link]
        assert annot.Dest[0].objgen == result.pages[2].obj.objgen
        assert annot.P.objgen == result.pages[1].obj.objgen


def test_document_only_and_certificate_only_variants(seal: Sealer, certificate: bytes) -> None:
    original = create_pdf(2)
    document_only = seal(original, _VALUES[:2], None, "document_only")
    assert document_only.startswith(original)
    with pikepdf.open(io.BytesIO(document_only)) as pdf:
        assert len(pdf.pages) == 2
    result = verify_pdf(document_only)
    assert result.intact and result.signet_sealed
    assert result.signet_metadata and result.signet_metadata["variant"] == "document_only"

    certificate_only = seal(certificate, [], None, "certificate_only")
    assert certificate_only.startswith(certificate)
    assert verify_pdf(certificate_only).intact


def _flip_positions(out: bytes, original_length: int) -> list[int]:
    """Offsets spread over the original, the update, the signature and the file's tail."""
    contents = out.index(b"/Contents <", original_length) + len(b"/Contents <")
    spread = [round(i * (len(out) - 1) / 23) for i in range(24)]
    update = [original_length + round(i * (contents - original_length) / 6) for i in range(6)]
    return sorted({*spread, *update, contents + 5, contents + 400, len(out) - 20, len(out) - 1})


def test_flipping_any_byte_breaks_the_seal(seal: Sealer, certificate: bytes) -> None:
    original = create_pdf(3)
    out = seal(original, _VALUES, certificate)
    for position in _flip_positions(out, len(original)):
        tampered = bytearray(out)
        tampered[position] ^= 0x01
        result = verify_pdf(bytes(tampered))
        assert not result.intact, (position, out[position - 20 : position + 20])


def test_appending_an_update_after_the_seal_is_detected(seal: Sealer) -> None:
    out = seal(create_pdf(1), _VALUES[:1])
    assert not verify_pdf(out + b"\n% more\n").intact


def test_no_values_and_no_certificate_is_just_a_seal(seal: Sealer) -> None:
    original = create_pdf(2)
    out = seal(original, [])
    assert out.startswith(original)
    assert verify_pdf(out).intact
    assert page_text(out, 1) == page_text(original, 1)


def test_a_value_past_the_last_page_is_refused(seal: Sealer) -> None:
    with pytest.raises(StampError, match="page 3"):
        seal(create_pdf(2), [StampValue(3, 1, 1, 10, 3, "text", "x")])


def test_unreadable_image_data_is_refused(seal: Sealer) -> None:
    bad = StampValue(1, 1, 1, 10, 3, "signature", "data:image/png;base64,bm90IGEgcG5n")
    with pytest.raises(StampError, match="image"):
        seal(create_pdf(), [bad])


def test_an_encrypted_original_is_left_to_the_rewriting_path(seal: Sealer) -> None:
    pdf = pikepdf.open(io.BytesIO(create_pdf(1)))
    buf = io.BytesIO()
    pdf.save(buf, encryption=pikepdf.Encryption(owner="owner", user="", R=4))
    with pytest.raises(IncrementalUpdateError):
        seal(buf.getvalue(), _VALUES[:1])


def test_an_unreadable_original_raises_incremental_update_error(seal: Sealer) -> None:
    with pytest.raises(IncrementalUpdateError):
        seal(b"%PDF-1.7\nnot really a pdf\n%%EOF\n", [])


def test_an_xref_stream_original_is_updated_with_an_xref_stream(seal: Sealer) -> None:
    pdf = pikepdf.open(io.BytesIO(create_pdf(3)))
    buf = io.BytesIO()
    pdf.save(buf, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    original = buf.getvalue()
    out = seal(original, _VALUES, create_pdf(1, label="Certificate page"))
    assert out.startswith(original)
    assert verify_pdf(out).intact
    assert "Jane Doe, Chief Executive" in page_text(out, 0)
    assert "Certificate page 1" in page_text(out, 3)


def test_retry_with_a_larger_reservation_starts_from_the_original(
    seal: Sealer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Too small for any signature: the first attempt fails and the update is prepared again.
    monkeypatch.setattr(seal_module, "BYTES_RESERVED", 256)
    original = create_pdf(3)
    certificate = create_pdf(1, label="Certificate page")
    out = seal(original, _VALUES, certificate)
    assert out.startswith(original)
    assert verify_pdf(out).intact
    with pikepdf.open(io.BytesIO(out)) as pdf:
        assert len(pdf.pages) == 4
    assert "Jane Doe, Chief Executive" in page_text(out, 0)


def test_one_plan_serves_the_document_only_and_final_files(
    seal: Sealer, certificate: bytes
) -> None:
    original = create_pdf(3)
    plan = plan_stamps(original, _VALUES)
    document_only = seal(original, plan, None, "document_only")
    final = seal(original, plan, certificate)
    assert document_only.startswith(original) and final.startswith(original)
    assert verify_pdf(document_only).intact and verify_pdf(final).intact
    assert page_text(document_only, 0) == page_text(final, 0)
    assert page_text(final, 0) == page_text(seal(original, _VALUES), 0)
    with pytest.raises(ValueError, match="another document"):
        seal(create_pdf(4), plan)


def test_one_hash_of_the_original_serves_both_files_and_their_digests(
    seal: Sealer, certificate: bytes
) -> None:
    original = create_pdf(3)
    hashed = OriginalHash(original)
    plan = plan_stamps(original, _VALUES)
    document_only = seal(original, plan, None, "document_only", original_hash=hashed)
    final = seal(original, plan, certificate, original_hash=hashed)

    for out in (document_only, final):
        assert out.startswith(original)
        assert verify_pdf(out).intact
        assert hashed.hexdigest_of(out) == hashlib.sha256(out).hexdigest()


def test_a_hash_made_from_another_original_is_refused(seal: Sealer) -> None:
    original = create_pdf(3)
    with pytest.raises(ValueError, match="another document"):
        seal(original, _VALUES, original_hash=OriginalHash(create_pdf(4)))


@pytest.mark.parametrize(
    "name",
    [
        "/Type",
        "/ABCDEF+NotoSans-Regular",
        "/FormXob.1166c740a15e95a376183016cecdccf9",
        "/A B",  # a space: escaped
        "/a#b",  # the escape character itself
        "/(x)[y]{z}<w>%v",  # delimiters
        "/Ünïcode",  # non-ASCII bytes
        "/del\x7fete",  # outside ! to ~
    ],
)
def test_copied_names_are_written_as_pyhanko_writes_them(name: str) -> None:
    ours, theirs = io.BytesIO(), io.BytesIO()
    incremental._Name(name).write_to_stream(ours)
    generic.NameObject(name).write_to_stream(theirs)
    assert ours.getvalue() == theirs.getvalue()
    assert generic.NameObject.read_from_stream(io.BytesIO(ours.getvalue() + b" ")) == name
