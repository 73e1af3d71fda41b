"""The installation's sealing identity: an operator PKCS#12, or a self-signed key made on first use.

Load it once at start-up and keep the returned :class:`SealIdentity`; its pyHanko signer is built
here once so each seal costs only the signature itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.sign.signers import SimpleSigner
from pyhanko_certvalidator.registry import SimpleCertificateStore

__all__ = ["SealIdentity", "SealKeyError", "load_or_create_seal"]

SEAL_DIR_NAME = "seal"
KEY_FILE = "seal-key.pem"
CERT_FILE = "seal-cert.pem"
COMMON_NAME = "Signet document seal"
VALIDITY = dt.timedelta(days=3653)


class SealKeyError(RuntimeError):
    """The sealing key cannot be loaded or created; the message says what the operator must fix."""


@dataclass(frozen=True)
class SealIdentity:
    """A ready-to-use sealing identity: the pyHanko signer plus facts about its certificate."""

    signer: SimpleSigner
    certificate: asn1_x509.Certificate
    # Intermediates and roots shipped with an operator PKCS#12; empty for the self-signed seal.
    chain: tuple[asn1_x509.Certificate, ...]
    source: Literal["generated", "pkcs12"]

    @property
    def subject(self) -> str:
        return str(self.certificate.subject.human_friendly)

    @property
    def fingerprint_sha256(self) -> str:
        return hashlib.sha256(self.certificate.dump()).hexdigest()

    @property
    def certificate_pem(self) -> str:
        der = self.certificate.dump()
        cert = x509.load_der_x509_certificate(der)
        return cert.public_bytes(serialization.Encoding.PEM).decode()


def load_or_create_seal(
    data_dir: Path,
    p12_path: str | None,
    p12_password: str | None,
    *,
    installation_name: str = "Signet",
) -> SealIdentity:
    """Load the configured PKCS#12 seal, or the self-signed one in ``data_dir/seal`` (made once)."""
    if p12_path:
        return _load_pkcs12(Path(p12_path), p12_password)
    seal_dir = Path(data_dir) / SEAL_DIR_NAME
    if not (seal_dir / CERT_FILE).exists():
        _create_seal_dir(Path(data_dir), seal_dir, installation_name)
    return _load_pem_pair(seal_dir)


def _load_pkcs12(path: Path, password: str | None) -> SealIdentity:
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        raise SealKeyError(
            f"The sealing PKCS#12 file {path} does not exist; fix the path or unset it to use "
            "a self-signed seal"
        ) from None
    except OSError as exc:
        raise SealKeyError(f"The sealing PKCS#12 file {path} cannot be read: {exc}") from exc
    # An archive exported "without a password" may be encrypted with the empty one.
    candidates = [password.encode()] if password is not None else [None, b""]
    last_error: Exception | None = None
    for candidate in candidates:
        try:
            key, cert, extra = pkcs12.load_key_and_certificates(blob, candidate)
            break
        except ValueError as exc:
            last_error = exc
    else:
        raise SealKeyError(
            f"The sealing PKCS#12 file {path} cannot be opened: the password is wrong or the file "
            "is not a PKCS#12 archive"
        ) from last_error
    if key is None or cert is None:
        raise SealKeyError(
            f"The sealing PKCS#12 file {path} must hold both a private key and its certificate"
        )
    return _identity(key, cert, list(extra), source="pkcs12")


def _load_pem_pair(seal_dir: Path) -> SealIdentity:
    try:
        key = serialization.load_pem_private_key((seal_dir / KEY_FILE).read_bytes(), None)
        cert = x509.load_pem_x509_certificate((seal_dir / CERT_FILE).read_bytes())
    except (OSError, ValueError, TypeError) as exc:
        raise SealKeyError(
            f"The seal in {seal_dir} is damaged ({exc}); restore it from a backup, or remove the "
            "directory to create a new seal (documents sealed before stay valid)"
        ) from exc
    return _identity(key, cert, [], source="generated")


def _identity(
    key: PrivateKeyTypes,
    cert: x509.Certificate,
    extra: list[x509.Certificate],
    *,
    source: Literal["generated", "pkcs12"],
) -> SealIdentity:
    key_der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    asn1_cert = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    chain = tuple(
        asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in extra
    )
    registry = SimpleCertificateStore()
    registry.register_multiple(chain)
    signer = SimpleSigner(
        signing_cert=asn1_cert,
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=registry,
    )
    return SealIdentity(signer=signer, certificate=asn1_cert, chain=chain, source=source)


def _create_seal_dir(data_dir: Path, seal_dir: Path, installation_name: str) -> None:
    # Both files are written into a private scratch directory that is then renamed into place in
    # one step: rename() of a directory fails when the target already holds files, so when two
    # processes start at once exactly one seal wins and the loser simply loads it.
    data_dir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".seal-", dir=data_dir))
    try:
        key_pem, cert_pem = _new_self_signed(installation_name)
        _write(scratch / KEY_FILE, key_pem, 0o600)
        _write(scratch / CERT_FILE, cert_pem, 0o644)
        try:
            os.rename(scratch, seal_dir)
        except OSError:
            if not (seal_dir / CERT_FILE).exists():
                raise SealKeyError(
                    f"{seal_dir} exists but holds no seal certificate; remove it or move it away"
                ) from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _write(path: Path, data: bytes, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _new_self_signed(installation_name: str) -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, COMMON_NAME),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, installation_name[:64] or "Signet"),
        ]
    )
    # Backdated an hour so a verifier with a slightly slow clock does not see "not yet valid".
    now = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(int.from_bytes(secrets.token_bytes(16), "big") >> 1)
        .not_valid_before(now)
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # a.k.a. nonRepudiation
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)
