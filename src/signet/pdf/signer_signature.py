"""Per-signer signatures: one PAdES approval signature per signer, before the installation's seal.

Each signer gets a certificate made for this signing only: an EC P-256 key generated here,
certified by the installation's signing CA (``signing_ca.py``) with the signer's name as the
subject's common name and their email as ``emailAddress`` and as an rfc822Name alternative name,
and dropped once the signature is made. The CMS container carries the signer's certificate and
the CA's.

The first signer signs the update that stamps every value and appends the certificate pages
(``incremental.update_preparer``); each later signer's update adds only their signature field,
and the seal comes last. Only signature fields follow a signer's signature, so every one of them
stays valid with nothing but form filling after it (pyHanko's modification analysis), which a
certification could not allow: it must be the first signature of a file and its permissions
forbid the stamps. See docs/seal-keys.md#per-signer-signatures.

A signer's field is a widget over their first signature mark (the mark itself is stamped into
the page below it, as without per-signer signatures), so a viewer shows the signature where the
signer signed; a signer without a signature mark gets an invisible field.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

import pikepdf
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.pdf_byterange import BuildProps
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator.registry import SimpleCertificateStore

from signet.pdf.key_dirs import SIGNING_KEY_USAGE
from signet.pdf.seal import SealError, run_coroutine, run_outside_event_loop
from signet.pdf.seal_embed import (
    KnownHash,
    PrefixHash,
    ReservedSpaceTooSmall,
    embed_signature,
    signature_fields,
)
from signet.pdf.seal_signer import KeptKeySigner
from signet.pdf.signing_ca import SigningCA
from signet.pdf.stamp import PageGeometry, page_geometry

__all__ = [
    "FIELD_PREFIX",
    "SignerMark",
    "add_signer_signatures",
    "signer_certificate",
    "signer_signatures_hashed",
]

FIELD_PREFIX = "SignetSigner"
VALIDITY = dt.timedelta(days=3653)
EMPTY_APPEARANCE = TextStampStyle(stamp_text="", border_width=0)


@dataclass(frozen=True)
class SignerMark:
    """One signer, and where their mark is: a 1-based page and a box in percent of the page as
    displayed (``page_number`` None: no mark, an invisible signature)."""

    name: str
    email: str
    page_number: int | None = None
    x: float = 0.0
    y: float = 0.0
    width: float = 0.0
    height: float = 0.0


def signer_certificate(
    ca: SigningCA, name: str, email: str, *, organization: str = "Signet"
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A new key and a certificate for it, issued by ``ca``, naming ``name`` and ``email``."""
    key = ec.generate_private_key(ec.SECP256R1())
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, _fit(name.strip() or email))]
    alt_names: list[x509.GeneralName] = []
    if email.isascii() and "@" in email:
        attributes.append(x509.NameAttribute(NameOID.EMAIL_ADDRESS, email))
        alt_names.append(x509.RFC822Name(email))
    attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, _fit(organization or "Signet")))
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    ca_cert = ca.certificate
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(attributes))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(int.from_bytes(secrets.token_bytes(16), "big") >> 1)
        .not_valid_before(max(now, ca_cert.not_valid_before_utc))
        .not_valid_after(min(now + VALIDITY, ca_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            SIGNING_KEY_USAGE,
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()),
            critical=False,
        )
    )
    if alt_names:
        builder = builder.add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
    return key, builder.sign(ca.key, hashes.SHA256())


def _fit(text: str, limit: int = 64) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes (X.509's bound on a common name, which
    cryptography counts in bytes), on a character boundary."""
    return text.encode()[:limit].decode(errors="ignore") or "-"


def add_signer_signatures(
    first: Callable[[], IncrementalPdfFileWriter],
    original: bytes,
    marks: Sequence[SignerMark],
    keys: Sequence[tuple[ec.EllipticCurvePrivateKey, x509.Certificate]],
    ca: SigningCA,
    *,
    original_hash: PrefixHash | None = None,
) -> bytes:
    """Sign, in order, one approval signature per entry of ``marks`` with its key in ``keys``.

    ``first`` returns the writer of the first update (stamps and certificate pages, unsigned);
    each later signature is an update of its own. ``original`` is the file ``first`` updates,
    read for the geometry of the marked pages (the stamps change no page's geometry).
    ``original_hash``, the hash of ``original`` made earlier, spares hashing it again. Raises
    SealError when a signature cannot be made.
    """
    signed, _ = signer_signatures_hashed(
        first, original, marks, keys, ca, original_hash=original_hash
    )
    return signed


def signer_signatures_hashed(
    first: Callable[[], IncrementalPdfFileWriter],
    original: bytes,
    marks: Sequence[SignerMark],
    keys: Sequence[tuple[ec.EllipticCurvePrivateKey, x509.Certificate]],
    ca: SigningCA,
    *,
    original_hash: PrefixHash | None = None,
) -> tuple[bytes, KnownHash]:
    """:func:`add_signer_signatures`, and the SHA-256 of the signed file, for the seal.

    Each signature is written as the seal is (``seal_embed``): the update in a buffer of its
    own, joined once to the file before it, whose hash is continued rather than computed
    again; so each byte of the file is hashed once for all the signatures.
    """
    if len(marks) != len(keys) or not marks:
        raise ValueError("one key per signer, and at least one signer")
    boxes = mark_boxes(original, marks)
    ca_asn1 = ca.asn1_certificate

    async def sign_one(
        n: int, opened: Callable[[], IncrementalPdfFileWriter], signer: signers.Signer,
        mark: SignerMark, box: Box | None, prefix: PrefixHash | None, reserve: int | None,
    ) -> bytes:  # fmt: skip
        writer = opened()
        try:
            pdf_signer = signer_pdf_signer(writer, n, mark, box, signer)
            return await embed_signature(
                writer, pdf_signer, bytes_reserved=reserve, original=prefix
            )
        finally:
            writer.prev.stream.close()

    async def sign_all() -> tuple[bytes, KnownHash]:
        data = original
        prefix = original_hash
        for n, (mark, (key, cert), box) in enumerate(zip(marks, keys, boxes, strict=True), 1):
            head = data
            opened = first if n == 1 else partial(_open, head)
            signer = _pyhanko_signer(key, cert, ca_asn1)
            try:
                try:
                    data = await sign_one(
                        n, opened, signer, mark, box, prefix, _reserve(cert, ca.certificate)
                    )
                except ReservedSpaceTooSmall:  # never seen: pyHanko's own estimate then
                    data = await sign_one(n, opened, signer, mark, box, prefix, None)
            except (SigningError, PdfError, ValueError, KeyError, TypeError, OSError) as exc:
                raise SealError(f"The signature of signer {n} could not be made: {exc}") from exc
            prefix = KnownHash.after(prefix, head, data)
        assert isinstance(prefix, KnownHash)
        return data, prefix

    return run_outside_event_loop(lambda: run_coroutine(sign_all()))


def signer_pdf_signer(
    writer: IncrementalPdfFileWriter,
    n: int,
    mark: SignerMark,
    box: Box | None,
    signer: signers.Signer,
) -> signers.PdfSigner:
    """How signer ``n``'s signature is made, whoever holds the key: a field of its own named
    ``FIELD_PREFIX`` + n (made unique) over ``box``, an empty appearance (the mark is stamped in
    the page), and the signer's name and email in the signed dictionary."""
    existing = signature_fields(writer).names
    name = f"{FIELD_PREFIX}{n}"
    while name in existing:
        name += "x"
    who = mark.name or mark.email
    return signers.PdfSigner(
        signers.PdfSignatureMetadata(
            field_name=name,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            name=who,
            contact_info=mark.email,
            reason=f"Signed by {who} <{mark.email}>",
            app_build_props=BuildProps(name="Signet"),
        ),
        signer=signer,
        stamp_style=EMPTY_APPEARANCE,
        new_field_spec=fields.SigFieldSpec(
            sig_field_name=name,
            on_page=box[0] if box else 0,
            box=box[1] if box else None,
        ),
    )


def _open(data: bytes) -> IncrementalPdfFileWriter:
    return IncrementalPdfFileWriter(io.BytesIO(data))


def _reserve(cert: x509.Certificate, ca: x509.Certificate) -> int:
    """Hex digits for a signer's CMS container: its two certificates, and 1 KB for the signed
    attributes, the signature and the structure around them (~600 bytes in fact), twice."""
    der = serialization.Encoding.DER
    return 2 * (len(cert.public_bytes(der)) + len(ca.public_bytes(der)) + 1024)


def _pyhanko_signer(
    key: ec.EllipticCurvePrivateKey, cert: x509.Certificate, ca: asn1_x509.Certificate
) -> KeptKeySigner:
    """As the seal's: signing with the key object itself, not a copy parsed per signature."""
    registry = SimpleCertificateStore()
    registry.register(ca)
    return KeptKeySigner(
        key,
        signing_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        cert_registry=registry,
    )


Box = tuple[int, tuple[int, int, int, int]]  # 0-based page, rectangle in user space


def mark_boxes(original: bytes, marks: Sequence[SignerMark]) -> list[Box | None]:
    """Each mark's widget rectangle in its page's user space (None: invisible)."""
    wanted = {m.page_number for m in marks if m.page_number is not None and m.width and m.height}
    if not wanted:
        return [None] * len(marks)
    geometries: dict[int, PageGeometry] = {}
    try:
        with pikepdf.open(io.BytesIO(original)) as pdf:
            for number in wanted:
                if 1 <= number <= len(pdf.pages):
                    geometries[number] = page_geometry(pdf.pages[number - 1])
    except (pikepdf.PdfError, ValueError) as exc:
        raise SealError(f"The PDF's pages cannot be read: {exc}") from exc
    out: list[Box | None] = []
    for m in marks:
        geo = geometries.get(m.page_number or 0)
        if geo is None or not (m.width and m.height):
            out.append(None)
            continue
        left, right = m.x / 100 * geo.width, (m.x + m.width) / 100 * geo.width
        top = geo.height - m.y / 100 * geo.height
        bottom = geo.height - (m.y + m.height) / 100 * geo.height
        corners = [geo.to_user(x, y) for x in (left, right) for y in (bottom, top)]
        xs, ys = [c[0] for c in corners], [c[1] for c in corners]
        # Whole points (pyHanko's field boxes are integers), rounded outwards.
        rect = (
            math.floor(min(xs)),
            math.floor(min(ys)),
            math.ceil(max(xs)),
            math.ceil(max(ys)),
        )
        out.append((int(m.page_number or 1) - 1, rect))
    return out
