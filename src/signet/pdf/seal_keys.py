"""The installation's sealing identity: an operator PKCS#12, or a key in the data dir (made on
first use, replaced by ``signet seal-key rotate`` or ``import``), and every certificate it ever
sealed with.

Load it once at start-up and keep the returned :class:`SealIdentity`; its pyHanko signer is built
here once so each seal costs only the signature itself. :func:`seal_version` changes when the key
in the data dir is replaced, so a long-running process can notice and load the new one.

The data dir's ``seal/`` holds the current key and certificate (``seal-key.pem``,
``seal-cert.pem``, and ``seal-chain.pem`` for an imported PKCS#12), and ``history/`` a copy of
every certificate the installation has sealed with, so that files sealed before a rotation are
still recognised as its own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko_certvalidator.registry import SimpleCertificateStore

from signet.pdf.key_dirs import (
    SIGNING_KEY_USAGE,
    KeyDirIncomplete,
    new_self_signed,
    publish_key_dir,
    write_new,
)
from signet.pdf.seal_signer import KeptKeySigner

__all__ = [
    "SealIdentity",
    "SealKeyError",
    "import_seal",
    "known_certificates",
    "load_or_create_seal",
    "remember_certificate",
    "rotate_seal",
    "seal_history",
    "seal_version",
]

SEAL_DIR_NAME = "seal"
KEY_FILE = "seal-key.pem"
CERT_FILE = "seal-cert.pem"
CHAIN_FILE = "seal-chain.pem"
# Present when the key came from ``signet seal-key import``: the name of the imported file.
IMPORTED_FILE = "imported-from.txt"
HISTORY_DIR = "history"
COMMON_NAME = "Signet document seal"
VALIDITY = dt.timedelta(days=3653)


class SealKeyError(RuntimeError):
    """The sealing key cannot be loaded or created; the message says what the operator must fix."""


@dataclass(frozen=True)
class SealIdentity:
    """A ready-to-use sealing identity: the pyHanko signer plus facts about its certificate."""

    signer: KeptKeySigner
    certificate: asn1_x509.Certificate
    # Intermediates and roots shipped with an operator PKCS#12; empty for the self-signed seal.
    chain: tuple[asn1_x509.Certificate, ...]
    # generated: made by Signet; imported: `signet seal-key import`; pkcs12: SIGNET_SEAL_P12.
    source: Literal["generated", "imported", "pkcs12"]

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
    """Load the configured PKCS#12 seal, or the one in ``data_dir/seal`` (made once)."""
    if p12_path:
        return _load_pkcs12(Path(p12_path), p12_password)
    seal_dir = Path(data_dir) / SEAL_DIR_NAME
    if not (seal_dir / CERT_FILE).exists():
        _create_seal_dir(Path(data_dir), seal_dir, installation_name)
    return _load_pem_pair(seal_dir)


def seal_version(data_dir: Path, p12_path: str | None) -> tuple[int, int]:
    """Changes when the seal key is replaced (the certificate file's inode and time)."""
    path = Path(p12_path) if p12_path else Path(data_dir) / SEAL_DIR_NAME / CERT_FILE
    try:
        st = path.stat()
    except OSError:
        return (0, 0)
    return (st.st_ino, st.st_mtime_ns)


def seal_history(data_dir: Path) -> list[asn1_x509.Certificate]:
    """Every certificate this installation has sealed with (as far as it recorded), oldest first;
    the data dir's current certificate included even if it was never loaded."""
    seal_dir = Path(data_dir) / SEAL_DIR_NAME
    found: dict[str, tuple[float, asn1_x509.Certificate]] = {}
    paths = sorted((seal_dir / HISTORY_DIR).glob("*.pem")) + [seal_dir / CERT_FILE]
    for path in paths:
        try:
            cert = x509.load_pem_x509_certificate(path.read_bytes())
        except (OSError, ValueError):
            continue
        der = cert.public_bytes(serialization.Encoding.DER)
        fingerprint = hashlib.sha256(der).hexdigest()
        if fingerprint not in found:
            since = cert.not_valid_before_utc.timestamp()
            found[fingerprint] = (since, asn1_x509.Certificate.load(der))
    return [cert for _, cert in sorted(found.values(), key=lambda item: item[0])]


def known_certificates(data_dir: Path, identity: SealIdentity) -> list[asn1_x509.Certificate]:
    """The current seal certificate and every earlier one: a file sealed by any is ours."""
    certs = {identity.fingerprint_sha256: identity.certificate}
    for cert in seal_history(data_dir):
        certs.setdefault(hashlib.sha256(cert.dump()).hexdigest(), cert)
    return list(certs.values())


def rotate_seal(
    data_dir: Path, installation_name: str = "Signet"
) -> tuple[SealIdentity | None, SealIdentity]:
    """Replace the data dir's seal with a new self-signed key; (previous or None, new).

    The previous certificate stays in the history, so files it sealed are still recognised. A
    damaged seal is replaced too (its certificate is in the history if it was ever loaded).
    """
    try:
        previous: SealIdentity | None = load_or_create_seal(
            data_dir, None, None, installation_name=installation_name
        )
    except SealKeyError:
        previous = None
    if previous is not None:
        remember_certificate(Path(data_dir), previous.certificate)
    key_pem, cert_pem = _new_self_signed(installation_name)
    _install(Path(data_dir) / SEAL_DIR_NAME, key_pem, cert_pem, None, None)
    return previous, load_or_create_seal(data_dir, None, None)


def import_seal(
    data_dir: Path, p12_path: Path, password: str | None
) -> tuple[SealIdentity | None, SealIdentity]:
    """Make an operator's PKCS#12 the data dir's seal; (previous or None, new).

    The archive is checked first (it must open and hold a key with its certificate); the key is
    then kept in the data dir like a generated one (``seal-key.pem``, mode 0600).
    """
    seal_dir = Path(data_dir) / SEAL_DIR_NAME
    previous = _load_pem_pair(seal_dir) if (seal_dir / CERT_FILE).exists() else None
    if previous is not None:
        remember_certificate(Path(data_dir), previous.certificate)
    key, cert, extra = _open_pkcs12(Path(p12_path), password)
    _identity(key, cert, extra, source="imported")  # refuses a key pyHanko cannot sign with
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    chain_pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in extra)
    _install(
        seal_dir,
        key_pem,
        cert.public_bytes(serialization.Encoding.PEM),
        chain_pem or None,
        Path(p12_path).name,
    )
    return previous, load_or_create_seal(data_dir, None, None)


def _load_pkcs12(path: Path, password: str | None) -> SealIdentity:
    key, cert, extra = _open_pkcs12(path, password)
    return _identity(key, cert, extra, source="pkcs12")


def _open_pkcs12(
    path: Path, password: str | None
) -> tuple[PrivateKeyTypes, x509.Certificate, list[x509.Certificate]]:
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
    if not _same_public_key(key, cert):
        raise SealKeyError(
            f"In the sealing PKCS#12 file {path}, the key does not match the certificate"
        )
    return key, cert, list(extra)


def _load_pem_pair(seal_dir: Path) -> SealIdentity:
    # A rotation replaces the key, then the chain, then the certificate, each in one step: a
    # process reading in between sees a key and certificate that do not match, and reads again.
    for attempt in range(20):
        try:
            key = serialization.load_pem_private_key((seal_dir / KEY_FILE).read_bytes(), None)
            cert = x509.load_pem_x509_certificate((seal_dir / CERT_FILE).read_bytes())
            chain_path = seal_dir / CHAIN_FILE
            chain = (
                x509.load_pem_x509_certificates(chain_path.read_bytes())
                if chain_path.exists()
                else []
            )
        except (OSError, ValueError, TypeError) as exc:
            raise SealKeyError(
                f"The seal in {seal_dir} is damaged ({exc}); restore it from a backup, or run "
                "`signet seal-key rotate` (or remove the directory) to create a new seal "
                "(documents sealed before stay valid)"
            ) from exc
        if _same_public_key(key, cert):
            source: Literal["generated", "imported"] = (
                "imported" if (seal_dir / IMPORTED_FILE).exists() else "generated"
            )
            return _identity(key, cert, chain, source=source)
        time.sleep(0.05 * (attempt + 1))
    raise SealKeyError(
        f"The seal key in {seal_dir} does not match its certificate; restore both from a backup"
    )


def _same_public_key(key: PrivateKeyTypes, cert: x509.Certificate) -> bool:
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    try:
        mine = key.public_key().public_bytes(serialization.Encoding.DER, spki)
    except (AttributeError, ValueError, TypeError):
        return False
    return bool(mine == cert.public_key().public_bytes(serialization.Encoding.DER, spki))


def remember_certificate(data_dir: Path, cert: asn1_x509.Certificate) -> None:
    """Keep a copy of ``cert`` in the history (once; a read-only data dir only loses the copy).

    Called for the key a server or worker starts sealing with, and for a key being replaced."""
    history = Path(data_dir) / SEAL_DIR_NAME / HISTORY_DIR
    path = history / f"{hashlib.sha256(cert.dump()).hexdigest()}.pem"
    if path.exists():
        return
    pem = x509.load_der_x509_certificate(cert.dump()).public_bytes(serialization.Encoding.PEM)
    try:
        history.mkdir(parents=True, exist_ok=True)
        _replace(path, pem, 0o644)
    except OSError:
        pass


def _install(
    seal_dir: Path, key_pem: bytes, cert_pem: bytes, chain_pem: bytes | None, imported: str | None
) -> None:
    """Make ``key_pem``/``cert_pem`` the current seal: the certificate goes in last."""
    seal_dir.mkdir(parents=True, exist_ok=True)
    _replace(seal_dir / KEY_FILE, key_pem, 0o600)
    if chain_pem:
        _replace(seal_dir / CHAIN_FILE, chain_pem, 0o644)
    else:
        (seal_dir / CHAIN_FILE).unlink(missing_ok=True)
    if imported:
        _replace(seal_dir / IMPORTED_FILE, imported.encode() + b"\n", 0o644)
    else:
        (seal_dir / IMPORTED_FILE).unlink(missing_ok=True)
    _replace(seal_dir / CERT_FILE, cert_pem, 0o644)


def _replace(path: Path, data: bytes, mode: int) -> None:
    scratch = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    try:
        write_new(scratch, data, mode)
        os.replace(scratch, path)
    finally:
        scratch.unlink(missing_ok=True)


def _identity(
    key: PrivateKeyTypes,
    cert: x509.Certificate,
    extra: list[x509.Certificate],
    *,
    source: Literal["generated", "imported", "pkcs12"],
) -> SealIdentity:
    asn1_cert = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    chain = tuple(
        asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in extra
    )
    registry = SimpleCertificateStore()
    registry.register_multiple(chain)
    # The key parsed once, here: pyHanko's SimpleSigner would parse it again for every seal.
    signer = KeptKeySigner(key, signing_cert=asn1_cert, cert_registry=registry)
    return SealIdentity(signer=signer, certificate=asn1_cert, chain=chain, source=source)


def _create_seal_dir(data_dir: Path, seal_dir: Path, installation_name: str) -> None:
    key_pem, cert_pem = _new_self_signed(installation_name)
    files = {KEY_FILE: (key_pem, 0o600), CERT_FILE: (cert_pem, 0o644)}
    try:
        publish_key_dir(data_dir, seal_dir, files, complete_when=CERT_FILE)
    except KeyDirIncomplete:
        raise SealKeyError(
            f"{seal_dir} exists but holds no seal certificate; remove it or move it away"
        ) from None


def _new_self_signed(installation_name: str) -> tuple[bytes, bytes]:
    return new_self_signed(
        COMMON_NAME,
        installation_name,
        VALIDITY,
        x509.BasicConstraints(ca=False, path_length=None),
        SIGNING_KEY_USAGE,
        authority_key_id=True,
    )
