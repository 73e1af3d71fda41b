"""The seal's signer keeps the key it was loaded with (seal_signer.py): RSA and EC seals verify,
the kept key is what signs, and after a rotation or import the next seal uses the new key."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from asn1crypto import keys as asn1_keys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from fixtures.seal_p12 import self_signed_p12

from signet.pdf.seal import seal_pdf
from signet.pdf.seal_keys import SealIdentity, import_seal, load_or_create_seal, rotate_seal
from signet.pdf.seal_signer import KeptKeySigner
from signet.pdf.verify import verify_pdf
from signet.signing.finalize import seal_identity

from .factories import SEAL_METADATA, create_p12, create_pdf


def _seal(identity: SealIdentity) -> bytes:
    return seal_pdf(
        create_pdf(1), identity, reason="r", location=None, tsa_url=None, metadata=SEAL_METADATA
    )


def _sealed_by(data: bytes, identity: SealIdentity) -> bool:
    result = verify_pdf(data, seal_certificates=[identity.certificate])
    return bool(
        result.intact
        and result.valid
        and result.trusted
        and result.signer_fingerprint_sha256 == identity.fingerprint_sha256
    )


def test_ec_and_rsa_seals_sign_with_the_key_parsed_once(tmp_path: Path) -> None:
    blob, _, _ = create_p12(None)
    (tmp_path / "rsa.p12").write_bytes(blob)
    for identity, kind in (
        (load_or_create_seal(tmp_path / "ec", None, None), ec.EllipticCurvePrivateKey),
        (load_or_create_seal(tmp_path, str(tmp_path / "rsa.p12"), None), rsa.RSAPrivateKey),
    ):
        signer = identity.signer
        assert isinstance(signer, KeptKeySigner) and isinstance(signer.key, kind)
        # The ASN.1 copy pyHanko would parse again is not what signs: replaced by another key,
        # the seal still verifies against the identity's certificate.
        other = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        signer.signing_key = asn1_keys.PrivateKeyInfo.load(other)
        assert _sealed_by(_seal(identity), identity), kind


def test_another_key_type_is_signed_by_pyhanko_itself(tmp_path: Path) -> None:
    # DSA: not a mechanism the kept key signs for, so pyHanko's own sign_raw does (pyHanko's
    # validation policy refuses DSA below 3192 bits, so the raw signature is checked here).
    key = dsa.generate_private_key(2048)
    (tmp_path / "dsa.p12").write_bytes(self_signed_p12(key, "DSA seal"))
    identity = load_or_create_seal(tmp_path, str(tmp_path / "dsa.p12"), None)

    raw = identity.signer.sign_raw(b"signed attributes", "sha256")

    assert isinstance(identity.signer.key, dsa.DSAPrivateKey)
    key.public_key().verify(raw, b"signed attributes", hashes.SHA256())
    assert verify_pdf(_seal(identity), seal_certificates=[identity.certificate]).intact


def test_after_a_rotation_or_import_the_next_seal_uses_the_new_key(tmp_path: Path) -> None:
    settings = SimpleNamespace(
        data_dir=tmp_path, seal_p12=None, seal_p12_password=None, installation_name="Acme"
    )
    load_or_create_seal(tmp_path, None, None)  # the data dir's seal, made once
    first = seal_identity(settings)
    assert seal_identity(settings) is first  # loaded once, its parsed key kept
    first_file = _seal(first)

    blob, _, _ = create_p12(None)
    (tmp_path / "operator.p12").write_bytes(blob)
    import_seal(tmp_path, tmp_path / "operator.p12", None)
    imported = seal_identity(settings)
    assert isinstance(imported.signer.key, rsa.RSAPrivateKey)
    assert imported.fingerprint_sha256 != first.fingerprint_sha256

    rotate_seal(tmp_path, "Acme")
    rotated = seal_identity(settings)
    assert isinstance(rotated.signer.key, ec.EllipticCurvePrivateKey)
    assert rotated.fingerprint_sha256 not in (
        first.fingerprint_sha256,
        imported.fingerprint_sha256,
    )

    for identity in (imported, rotated):
        sealed = _seal(identity)
        assert _sealed_by(sealed, identity)
        assert not _sealed_by(sealed, first)
    assert _sealed_by(first_file, first)


def test_a_signature_made_with_the_kept_key_checks_out(tmp_path: Path) -> None:
    blob, leaf, _ = create_p12(None)
    (tmp_path / "rsa.p12").write_bytes(blob)
    identity = load_or_create_seal(tmp_path, str(tmp_path / "rsa.p12"), None)

    raw = identity.signer.sign_raw(b"signed attributes", "sha256")

    public = leaf.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    public.verify(raw, b"signed attributes", PKCS1v15(), hashes.SHA256())
