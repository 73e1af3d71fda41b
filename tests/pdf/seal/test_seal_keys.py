"""The sealing identity: made once in the data dir and shared by all processes, or a PKCS#12."""

from __future__ import annotations

import datetime as dt
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from signet.pdf.seal import seal_pdf
from signet.pdf.seal_keys import SealKeyError, load_or_create_seal
from signet.pdf.verify import verify_pdf

from .factories import SEAL_METADATA, create_p12, create_pdf


def test_identity_is_created_once_and_then_reused(tmp_path: Path) -> None:
    first = load_or_create_seal(tmp_path, None, None, installation_name="Acme")
    second = load_or_create_seal(tmp_path, None, None, installation_name="Ignored later")

    assert first.fingerprint_sha256 == second.fingerprint_sha256
    assert first.source == "generated"
    key_file = tmp_path / "seal" / "seal-key.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["seal"]  # no scratch dirs left


def test_generated_certificate_is_an_ec_seal_for_ten_years(tmp_path: Path) -> None:
    identity = load_or_create_seal(tmp_path, None, None, installation_name="Acme")
    cert = x509.load_pem_x509_certificate(identity.certificate_pem.encode())

    assert isinstance(cert.public_key(), ec.EllipticCurvePublicKey)
    assert cert.public_key().curve.name == "secp256r1"  # type: ignore[union-attr]
    assert cert.subject.rfc4514_string() == "O=Acme,CN=Signet document seal"
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    years = (cert.not_valid_after_utc - cert.not_valid_before_utc) / dt.timedelta(days=365)
    assert 9.9 < years < 10.1


_RACE = """
import sys, time
from pathlib import Path
from signet.pdf.seal_keys import load_or_create_seal
start = float(sys.argv[2])
time.sleep(max(0.0, start - time.time()))  # every process reaches this line, then all go at once
print(load_or_create_seal(Path(sys.argv[1]), None, None).fingerprint_sha256)
"""


def test_processes_starting_at_once_end_up_with_one_seal(tmp_path: Path) -> None:
    start = str(time.time() + 3)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _RACE, str(tmp_path), start], stdout=subprocess.PIPE, text=True
        )
        for _ in range(6)
    ]
    fingerprints = {proc.communicate(timeout=60)[0].strip() for proc in procs}

    assert all(proc.returncode == 0 for proc in procs)
    assert len(fingerprints) == 1
    assert fingerprints == {load_or_create_seal(tmp_path, None, None).fingerprint_sha256}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["seal"]


def test_damaged_seal_directory_says_how_to_recover(tmp_path: Path) -> None:
    load_or_create_seal(tmp_path, None, None)
    (tmp_path / "seal" / "seal-key.pem").write_text("not a key")

    with pytest.raises(SealKeyError, match="remove the directory"):
        load_or_create_seal(tmp_path, None, None)


def test_operator_pkcs12_is_loaded_and_seals(tmp_path: Path) -> None:
    blob, leaf, ca = create_p12(b"s3cret")
    p12 = tmp_path / "seal.p12"
    p12.write_bytes(blob)

    identity = load_or_create_seal(tmp_path, str(p12), "s3cret")
    sealed = seal_pdf(
        create_pdf(1), identity, reason="r", location=None, tsa_url=None, metadata=SEAL_METADATA
    )
    result = verify_pdf(sealed, seal_certificates=[identity.certificate])

    assert identity.source == "pkcs12"
    assert identity.subject == "Common Name: Acme Corp document seal"
    assert [c.subject.human_friendly for c in identity.chain] == ["Common Name: Test Seal CA"]
    assert not (tmp_path / "seal").exists()  # no self-signed seal made alongside
    assert result.intact and result.valid and result.trusted and result.signet_sealed
    leaf_der = leaf.public_bytes(serialization.Encoding.DER)
    assert identity.certificate.dump() == leaf_der
    assert len(result.signet_metadata["certificates_sha256"]) == 2  # type: ignore[index]


def test_pkcs12_without_password_is_loaded(tmp_path: Path) -> None:
    blob, _, _ = create_p12(None)
    (tmp_path / "seal.p12").write_bytes(blob)

    identity = load_or_create_seal(tmp_path, str(tmp_path / "seal.p12"), None)

    assert identity.subject == "Common Name: Acme Corp document seal"


def test_pkcs12_with_wrong_password_says_so(tmp_path: Path) -> None:
    blob, _, _ = create_p12(b"right")
    (tmp_path / "seal.p12").write_bytes(blob)

    with pytest.raises(SealKeyError, match="password is wrong"):
        load_or_create_seal(tmp_path, str(tmp_path / "seal.p12"), "wrong")


def test_missing_pkcs12_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(SealKeyError, match="does not exist"):
        load_or_create_seal(tmp_path, str(tmp_path / "nope.p12"), "x")
