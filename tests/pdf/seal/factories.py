"""Plain factories for the seal/verify/render tests: PDFs, PKCS#12 files, a local RFC 3161 TSA."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pikepdf
from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.timestamps import DummyTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore
from reportlab.lib.pagesizes import A4, landscape, letter
from reportlab.pdfgen import canvas

SEAL_METADATA = {
    "signing_request_id": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
    "variant": "final",
    "completed_at": "2025-03-01T09:30:00Z",
    "signers": [
        {"name": "Zoë Müller", "email": "zoe@example.com", "signed_at": "2025-03-01T09:29:00Z"},
        {"name": "Ann Lee", "email": "ann@example.com", "signed_at": "2025-03-01T09:30:00Z"},
    ],
}


def create_pdf(pages: int = 1, *, landscape_pages: bool = False) -> bytes:
    """A text PDF with ``pages`` pages, each saying its number (in large type, for renders)."""
    buf = io.BytesIO()
    size = landscape(A4) if landscape_pages else letter
    c = canvas.Canvas(buf, pagesize=size)
    for n in range(1, pages + 1):
        c.setFont("Helvetica-Bold", 48)
        c.drawString(72, size[1] - 144, f"Page {n}")
        c.setFont("Helvetica", 11)
        for line in range(30):
            c.drawString(72, size[1] - 200 - line * 16, f"Clause {n}.{line}: the parties agree.")
        c.setFillColorRGB(0.11, 0.3, 0.85)
        c.rect(72, 40, 200, 20, fill=1, stroke=0)
        c.showPage()
    c.save()
    return buf.getvalue()


def create_rotated_pdf(rotate: int) -> bytes:
    """A one-page portrait Letter PDF whose page carries ``/Rotate``, as scanners write them."""
    with pikepdf.open(io.BytesIO(create_pdf(1))) as pdf:
        pdf.pages[0].obj["/Rotate"] = rotate
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue()


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(
    subject: str,
    key,
    issuer: str,
    issuer_key,
    *,
    ca: bool,
    eku: list | None = None,
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca,
                content_commitment=not ca and eku is None,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


def create_p12(password: bytes | None) -> tuple[bytes, x509.Certificate, x509.Certificate]:
    """An operator-style PKCS#12: an RSA seal certificate issued by a CA, with the CA inside."""
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = _cert("Test Seal CA", ca_key, "Test Seal CA", ca_key, ca=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    leaf = _cert("Acme Corp document seal", key, "Test Seal CA", ca_key, ca=False)
    encryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    blob = pkcs12.serialize_key_and_certificates(b"seal", key, leaf, [ca], encryption)
    return blob, leaf, ca


def create_ec_key_pem() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def create_timestamper() -> DummyTimeStamper:
    """pyHanko's in-process TSA (RSA only), with a CA above it that it bundles in its tokens."""
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root = _cert("Test TSA Root", root_key, "Test TSA Root", root_key, ca=True)
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tsa = _cert(
        "Test TSA",
        tsa_key,
        "Test TSA Root",
        root_key,
        ca=False,
        eku=[ExtendedKeyUsageOID.TIME_STAMPING],
    )
    key_der = tsa_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    store = SimpleCertificateStore()
    store.register(_asn1(root))
    return DummyTimeStamper(
        tsa_cert=_asn1(tsa),
        tsa_key=asn1_keys.PrivateKeyInfo.load(key_der),
        certs_to_embed=store,
    )


@contextmanager
def running_tsa() -> Iterator[str]:
    """A real RFC 3161 HTTP endpoint on 127.0.0.1 answering with pyHanko's in-process TSA."""
    stamper = create_timestamper()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            req = tsp.TimeStampReq.load(body)
            resp = asyncio.run(stamper.async_request_tsa_response(req)).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(resp)))
            self.end_headers()
            self.wfile.write(resp)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/tsa"
    finally:
        server.shutdown()
        server.server_close()
