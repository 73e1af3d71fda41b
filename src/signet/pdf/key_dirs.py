"""Key directories written once, whole, even when several processes start at the same moment.

The seal (``seal_keys``) and the signing CA (``signing_ca``) each keep a key and a certificate in
a directory of the data dir. The files are written into a private scratch directory that is then
renamed into place in one step: rename() of a directory fails when the target already holds
files, so when two processes start at once exactly one wins and the other loads the winner's.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import shutil
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


class KeyDirIncomplete(Exception):
    """The target exists but lacks the file that shows it is complete."""


# The key usage of a certificate that signs documents (the seal, a signer's certificate):
# digital signature and non-repudiation, nothing else.
SIGNING_KEY_USAGE = x509.KeyUsage(
    digital_signature=True,
    content_commitment=True,
    key_encipherment=False,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=False,
    crl_sign=False,
    encipher_only=False,
    decipher_only=False,
)


def write_new(path: Path, data: bytes, mode: int) -> None:
    """Write a file that must not exist yet, with ``mode``, and flush it to disk."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def publish_key_dir(
    data_dir: Path, target: Path, files: dict[str, tuple[bytes, int]], *, complete_when: str
) -> None:
    """Put ``files`` (name → bytes, mode) at ``target`` in one step, unless another process did
    first; raises ``KeyDirIncomplete`` if ``target`` exists without ``complete_when``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=data_dir))
    try:
        for name, (data, mode) in files.items():
            write_new(scratch / name, data, mode)
        try:
            os.rename(scratch, target)
        except OSError:
            if not (target / complete_when).exists():
                raise KeyDirIncomplete(str(target)) from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def new_self_signed(
    common_name: str,
    installation_name: str,
    validity: dt.timedelta,
    constraints: x509.BasicConstraints,
    usage: x509.KeyUsage,
    *,
    authority_key_id: bool,
) -> tuple[bytes, bytes]:
    """A new EC P-256 key and its self-signed certificate, as PEM (key PKCS#8, unencrypted)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, installation_name[:64] or "Signet"),
        ]
    )
    # Backdated an hour so a verifier with a slightly slow clock does not see "not yet valid".
    now = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    public = key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(int.from_bytes(secrets.token_bytes(16), "big") >> 1)
        .not_valid_before(now)
        .not_valid_after(now + validity)
        .add_extension(constraints, critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
    )
    if authority_key_id:
        aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(public)
        builder = builder.add_extension(aki, critical=False)
    cert = builder.sign(key, hashes.SHA256())
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)
