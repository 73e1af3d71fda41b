"""Per-signer signatures on real PDFs: the signing CA, the one-use signer certificates, the
signatures before the seal, and what verification says about them."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pikepdf
import pytest
from cryptography import x509
from cryptography.x509.oid import ExtensionOID, NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from signet.pdf.evidence import StampValue
from signet.pdf.incremental import plan_stamps, update_preparer
from signet.pdf.seal import seal_pdf
from signet.pdf.seal_keys import SealIdentity
from signet.pdf.signer_signature import SignerMark, add_signer_signatures, signer_certificate
from signet.pdf.signing_ca import SigningCAError, load_or_create_signing_ca, read_signing_ca
from signet.pdf.verify import verify_pdf

from .factories import SEAL_METADATA, create_pdf


def _value(page: int, x: float, y: float) -> StampValue:
    return StampValue(page_number=page, x=x, y=y, width=20, height=6, type="text", value="Signed")


def test_the_signing_ca_is_made_once_kept_private_and_only_signs_certificates(tmp_path: Path):
    first = load_or_create_signing_ca(tmp_path, "Acme")
    second = load_or_create_signing_ca(tmp_path, "Ignored later")
    assert first.fingerprint_sha256 == second.fingerprint_sha256
    key_file = tmp_path / "signing-ca" / "ca-key.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    cert = first.certificate
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_cert_sign and not usage.digital_signature
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "Acme"
    found = read_signing_ca(tmp_path)
    assert found is not None and found.dump() == first.asn1_certificate.dump()
    assert read_signing_ca(tmp_path / "elsewhere") is None
    key_file.write_text("damaged")
    with pytest.raises(SigningCAError, match="damaged"):
        load_or_create_signing_ca(tmp_path)


def test_a_signer_certificate_names_the_signer_and_is_issued_by_the_ca(tmp_path: Path):
    ca = load_or_create_signing_ca(tmp_path)
    key, cert = signer_certificate(ca, "Zoë Ωμέγα", "zoe@example.com", organization="Acme")
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Zoë Ωμέγα"
    assert cert.subject.get_attributes_for_oid(NameOID.EMAIL_ADDRESS)[0].value == "zoe@example.com"
    san = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
    assert san.get_values_for_type(x509.RFC822Name) == ["zoe@example.com"]
    cert.verify_directly_issued_by(ca.certificate)
    assert cert.not_valid_after_utc <= ca.certificate.not_valid_after_utc
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    # A new key each time.
    other_key, _ = signer_certificate(ca, "Zoë Ωμέγα", "zoe@example.com")
    assert other_key.private_numbers() != key.private_numbers()
    # An address that is not ASCII cannot go in emailAddress or an rfc822Name: the name stays.
    _, idn = signer_certificate(ca, "", "josé@exämple.com")
    assert idn.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "josé@exämple.com"
    assert not idn.subject.get_attributes_for_oid(NameOID.EMAIL_ADDRESS)
    _, long = signer_certificate(ca, "N" * 300, "n@example.com")
    assert len(long.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value) == 64
    # X.509 bounds a common name at 64 and cryptography counts bytes: cut on a character.
    _, wide = signer_certificate(ca, "Ω" * 64, "w@example.com", organization="Ж" * 64)
    assert wide.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Ω" * 32


def _signed(tmp_path: Path, seal_identity: SealIdentity, original: bytes, marks: list[SignerMark]):
    ca = load_or_create_signing_ca(tmp_path)
    plan = plan_stamps(original, [_value(1, 10, 10), _value(2, 50, 50)])
    keys = [signer_certificate(ca, m.name, m.email) for m in marks]
    signed = add_signer_signatures(
        update_preparer(original, plan, create_pdf(1)), original, marks, keys, ca
    )
    return ca, seal_pdf(
        signed, seal_identity, reason="r", location=None, tsa_url=None, metadata=SEAL_METADATA
    )


def test_signatures_before_the_seal_all_validate_and_verify_lists_them(
    tmp_path: Path, seal_identity: SealIdentity
):
    original = create_pdf(3)
    marks = [
        SignerMark("Ann One", "ann@example.com", 1, 10, 10, 20, 6),
        SignerMark("Ben Two", "ben@example.com"),  # no mark: an invisible signature
        SignerMark("Cy Three", "cy@example.com", 2, 50, 50, 20, 6),
    ]
    ca, data = _signed(tmp_path, seal_identity, original, marks)
    assert data.startswith(original)
    reader = PdfFileReader(io.BytesIO(data))
    roots = [ca.asn1_certificate, seal_identity.certificate]
    names = []
    for sig in reader.embedded_signatures:
        status = validate_pdf_signature(sig, ValidationContext(trust_roots=roots))
        assert status.bottom_line, status.pretty_print_details()
        names.append((sig.field_name, status.signing_cert.subject.native["common_name"]))
    assert names == [
        ("SignetSigner1", "Ann One"),
        ("SignetSigner2", "Ben Two"),
        ("SignetSigner3", "Cy Three"),
        ("SignetSeal", "Signet document seal"),
    ]
    # One revision for the stamps and the first signature, one per later signature, the seal.
    assert reader.xrefs.total_revisions == 5

    result = verify_pdf(
        data, seal_certificates=[seal_identity.certificate], signing_cas=[ca.asn1_certificate]
    )
    assert result.intact and result.trusted and not result.problems, result.problems
    assert [(s.name, s.email, s.intact, s.issued_here) for s in result.signer_signatures] == [
        ("Ann One", "ann@example.com", True, True),
        ("Ben Two", "ben@example.com", True, True),
        ("Cy Three", "cy@example.com", True, True),
    ]
    # Another installation's CA did not issue them.
    stranger = load_or_create_signing_ca(tmp_path / "other")
    again = verify_pdf(data, signing_cas=[stranger.asn1_certificate])
    assert [s.issued_here for s in again.signer_signatures] == [False, False, False]


def test_the_widget_covers_the_mark_on_a_rotated_page(tmp_path: Path, seal_identity):
    source = pikepdf.open(io.BytesIO(create_pdf(2)))
    source.pages[0].obj["/Rotate"] = 90
    out = io.BytesIO()
    source.save(out)
    original = out.getvalue()
    _, data = _signed(
        tmp_path, seal_identity, original, [SignerMark("Ann", "ann@example.com", 1, 10, 10, 20, 6)]
    )
    with pikepdf.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[0]
        widget = next(a for a in page.obj["/Annots"] if str(a.get("/T")) == "SignetSigner1")
        x0, y0, x1, y1 = (float(v) for v in widget["/Rect"])
        width, height = float(page.mediabox[2]), float(page.mediabox[3])
    # Displayed 90° clockwise: the box's displayed width runs along the page's height.
    assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height
    assert abs((y1 - y0) - 0.20 * height) < 2 and abs((x1 - x0) - 0.06 * width) < 2


def test_a_change_inside_a_signers_revision_is_seen(tmp_path: Path, seal_identity):
    marks = [SignerMark("Ann One", "ann@example.com", 1, 10, 10, 20, 6)]
    ca, data = _signed(tmp_path, seal_identity, create_pdf(2), marks)
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    writer.root["/Pages"]["/Kids"][0].get_object()["/Rotate"] = pikepdf_int(180)
    writer.update_container(writer.root["/Pages"]["/Kids"][0].get_object())
    out = io.BytesIO()
    writer.write(out)
    result = verify_pdf(out.getvalue(), signing_cas=[ca.asn1_certificate])
    assert not result.intact
    assert [s.intact for s in result.signer_signatures] == [False]
    assert any("Ann One" in p for p in result.problems)


def pikepdf_int(value: int):
    from pyhanko.pdf_utils import generic

    return generic.NumberObject(value)


def test_an_encrypted_original_is_signed_after_the_rewrite(tmp_path: Path, seal_identity):
    # What finalisation does when the original cannot be updated incrementally: the signers'
    # first update fails as such (IncrementalUpdateError, not a signing error), and the
    # rewritten, stamped file is signed instead.
    from signet.pdf.incremental import IncrementalUpdateError
    from signet.pdf.stamp import stamp_values

    pdf = pikepdf.open(io.BytesIO(create_pdf(1)))
    buf = io.BytesIO()
    pdf.save(buf, encryption=pikepdf.Encryption(owner="owner", user="", R=4))
    original = buf.getvalue()
    ca = load_or_create_signing_ca(tmp_path)
    marks = [SignerMark("Ann", "ann@example.com", 1, 10, 10, 20, 6)]
    keys = [signer_certificate(ca, "Ann", "ann@example.com")]
    values = [_value(1, 10, 10)]
    with pytest.raises(IncrementalUpdateError):
        add_signer_signatures(
            update_preparer(original, plan_stamps(original, values), None),
            original,
            marks,
            keys,
            ca,
        )
    base = stamp_values(original, values, None)
    signed = add_signer_signatures(
        lambda: IncrementalPdfFileWriter(io.BytesIO(base)), base, marks, keys, ca
    )
    sealed = seal_pdf(
        signed, seal_identity, reason="r", location=None, tsa_url=None, metadata=SEAL_METADATA
    )
    result = verify_pdf(sealed, signing_cas=[ca.asn1_certificate])
    assert result.intact and [s.intact for s in result.signer_signatures] == [True]
