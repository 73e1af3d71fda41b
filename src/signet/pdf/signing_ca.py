"""The installation's signing CA: the issuer of the one-use certificates of per-signer signatures.

Distinct from the seal key (``seal_keys.py``), which signs as the installation: this CA signs
nothing but certificates, each naming one signer (``signer_signature.py``). It lives in the data
dir's ``signing-ca/`` folder, stored like a generated seal: ``ca-key.pem`` (mode 0600) and
``ca-cert.pem``, an EC P-256 key and a ten-year self-signed certificate made on first use (the
server and worker make it at start). Back it up with ``seal/``: a verifier that trusts this
certificate trusts every signer certificate it issued.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from signet.pdf.key_dirs import KeyDirIncomplete, new_self_signed, publish_key_dir

__all__ = ["SigningCA", "SigningCAError", "load_or_create_signing_ca", "read_signing_ca"]

CA_DIR_NAME = "signing-ca"
KEY_FILE = "ca-key.pem"
CERT_FILE = "ca-cert.pem"
COMMON_NAME = "Signet signing CA"
VALIDITY = dt.timedelta(days=3653)


class SigningCAError(RuntimeError):
    """The signing CA cannot be loaded or created; the message says what the operator must fix."""


@dataclass(frozen=True)
class SigningCA:
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate

    @property
    def asn1_certificate(self) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(self.certificate.public_bytes(serialization.Encoding.DER))

    @property
    def fingerprint_sha256(self) -> str:
        return hashlib.sha256(self.certificate.public_bytes(serialization.Encoding.DER)).hexdigest()


def load_or_create_signing_ca(data_dir: Path, installation_name: str = "Signet") -> SigningCA:
    """The CA in ``data_dir/signing-ca``, made on first use (one winner when two start at once)."""
    ca_dir = Path(data_dir) / CA_DIR_NAME
    if not (ca_dir / CERT_FILE).exists():
        _create(Path(data_dir), ca_dir, installation_name)
    return _load(ca_dir)


def read_signing_ca(data_dir: Path) -> asn1_x509.Certificate | None:
    """The CA's certificate if the data dir has one; creates nothing (for ``signet verify``)."""
    try:
        pem = (Path(data_dir) / CA_DIR_NAME / CERT_FILE).read_bytes()
        cert = x509.load_pem_x509_certificate(pem)
    except (OSError, ValueError):
        return None
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _load(ca_dir: Path) -> SigningCA:
    try:
        key = serialization.load_pem_private_key((ca_dir / KEY_FILE).read_bytes(), None)
        cert = x509.load_pem_x509_certificate((ca_dir / CERT_FILE).read_bytes())
    except (OSError, ValueError, TypeError) as exc:
        raise SigningCAError(
            f"The signing CA in {ca_dir} is damaged ({exc}); restore it from a backup, or remove "
            "the directory to create a new one (signatures it issued before then no longer "
            "chain to this installation's CA)"
        ) from exc
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    der = serialization.Encoding.DER
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.public_key().public_bytes(
        der, spki
    ) != cert.public_key().public_bytes(der, spki):
        raise SigningCAError(
            f"The signing CA key in {ca_dir} does not match its certificate; restore both"
        )
    return SigningCA(key=key, certificate=cert)


def _create(data_dir: Path, ca_dir: Path, installation_name: str) -> None:
    # As for the seal: written whole, in one step (signet.pdf.key_dirs).
    key_pem, cert_pem = _new_ca(installation_name)
    files = {KEY_FILE: (key_pem, 0o600), CERT_FILE: (cert_pem, 0o644)}
    try:
        publish_key_dir(data_dir, ca_dir, files, complete_when=CERT_FILE)
    except KeyDirIncomplete:
        raise SigningCAError(
            f"{ca_dir} exists but holds no CA certificate; remove it or move it away"
        ) from None


def _new_ca(installation_name: str) -> tuple[bytes, bytes]:
    return new_self_signed(
        COMMON_NAME,
        installation_name,
        VALIDITY,
        x509.BasicConstraints(ca=True, path_length=0),
        x509.KeyUsage(
            digital_signature=False,
            content_commitment=False,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=True,
            crl_sign=True,
            encipher_only=False,
            decipher_only=False,
        ),
        authority_key_id=False,
    )
