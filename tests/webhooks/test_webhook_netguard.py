"""The outbound URL guard: refused addresses, URL forms, and pinned connections that keep the
original name for the Host header and TLS (checked against a real TLS server)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from signet.webhooks.delivery import Outgoing, send
from signet.webhooks.netguard import UrlRefused, blocked_reason, check_url, resolve_target

REFUSED = [
    "127.0.0.1", "127.8.9.10", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254",
    "100.64.0.1", "100.127.255.254", "0.0.0.0", "0.1.2.3", "224.0.0.1", "239.255.255.250",
    "240.0.0.1", "255.255.255.255", "::1", "::", "fc00::1", "fd12:3456::1", "fe80::1",
    "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",
    "2002:a00:1::1", "64:ff9b::a9fe:a9fe", "198.18.0.1",
]  # fmt: skip
ALLOWED = ["93.184.216.34", "8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "100.128.0.1"]


@pytest.mark.parametrize("address", REFUSED)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", ALLOWED)
def test_public_addresses_are_allowed(address: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) is None


def test_url_forms() -> None:
    assert check_url("https://Example.COM./a?b=1", allow_private=False) == (
        "https", "example.com", 443)  # fmt: skip
    assert check_url("https://93.184.216.34:8443/", allow_private=False)[2] == 8443
    for url, reason in [
        ("http://93.184.216.34/", "must use https"),
        ("ftp://93.184.216.34/", "must use https"),
        ("https:///path", "must include a host name"),
        ("https://a b.com/", "without spaces"),
        ("https://u:p@93.184.216.34/", "user name or password"),
        ("https://localhost/", "localhost"),
        ("https://app.localhost/", "localhost"),
        ("https://[::1]/", "loopback"),
        ("https://93.184.216.34:99999/", "not a valid URL"),
    ]:
        with pytest.raises(UrlRefused, match=reason):
            check_url(url, allow_private=False)
    assert check_url("http://127.0.0.1:8080/x", allow_private=True) == ("http", "127.0.0.1", 8080)
    with pytest.raises(UrlRefused, match="https"):
        check_url("file:///etc/passwd", allow_private=True)


def test_every_resolved_address_is_checked() -> None:
    # This machine's own name resolves to a loopback or private address; "localhost" would be
    # refused by name before any lookup.
    name = socket.gethostname()
    with pytest.raises(UrlRefused, match=f"the host {name.lower()} resolves to a"):
        resolve_target(f"https://{name}/", allow_private=False)
    target = resolve_target("http://localhost:81/x", allow_private=True)
    assert target.host == "localhost" and target.address.is_loopback and target.port == 81


# --------------------------------------------------------------------------- pinned TLS


def _certificate(tmp: Path) -> tuple[Path, Path]:
    """A CA-signed-by-itself certificate valid for the name ``localhost`` only (no IP SAN), so
    verification passes only if TLS uses the name while connecting to 127.0.0.1."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))  # fmt: skip
    return cert_path, key_path


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[dict[str, Any]]:
    cert, key = _certificate(tmp_path)
    seen: dict[str, Any] = {"sni": [], "host": []}
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda sock, name, ctx: seen["sni"].append(name)  # type: ignore[assignment]

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("content-length") or 0))
            seen["host"].append(self.headers.get("host"))
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    seen["port"], seen["cert"] = server.server_address[1], cert
    yield seen
    server.shutdown()
    server.server_close()


def test_pinned_https_keeps_the_name_for_sni_host_and_certificate(tls_server) -> None:
    client = httpx.Client(verify=ssl.create_default_context(cafile=str(tls_server["cert"])),
                          trust_env=False, follow_redirects=False)  # fmt: skip
    port = tls_server["port"]
    out = Outgoing(f"https://localhost:{port}/hook", {"X-Test": "1"}, b"{}", 5.0)
    result = send(out, allow_private=True, client=client)
    assert result.status_code == 204, result
    assert tls_server["sni"] == ["localhost"]
    assert tls_server["host"] == [f"localhost:{port}"]
    # The same server by IP fails verification: the certificate names only "localhost".
    by_ip = send(Outgoing(f"https://127.0.0.1:{port}/hook", {}, b"{}", 5.0),
                 allow_private=True, client=client)  # fmt: skip
    assert by_ip.status_code is None and by_ip.error == "CONNECT_ERROR"
    assert "CERTIFICATE_VERIFY_FAILED" in (by_ip.error_detail or "")
    client.close()


def test_timeouts_and_refused_connections_are_classified() -> None:
    with socket.socket() as listener:  # accepts the connection, never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        slow = send(Outgoing(f"http://127.0.0.1:{port}/", {}, b"{}", 0.5), allow_private=True)
    assert slow.error == "TIMEOUT_ERROR" and 400 <= slow.duration_ms < 3000
    closed = send(Outgoing(f"http://127.0.0.1:{port}/", {}, b"{}", 2.0), allow_private=True)
    assert closed.error == "CONNECT_ERROR"
    refused = send(Outgoing("https://10.0.0.1/", {}, b"{}", 2.0), allow_private=False)
    assert refused.error == "NOT_VALID_URL"
