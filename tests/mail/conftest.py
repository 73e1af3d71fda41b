"""Real SMTP servers for mail tests: aiosmtpd on 127.0.0.1, optionally with TLS and AUTH."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def closed_port() -> int:
    """A local port nothing listens on (it was free a moment ago)."""
    return free_port()


@dataclass
class RecordingHandler:
    """Accepts mail and keeps it, unless told to answer RCPT or DATA with a given reply."""

    rcpt_reply: str | None = None
    data_reply: str | None = None
    received: list[Any] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.data_reply:
            return self.data_reply
        self.received.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        return [message_from_bytes(env.content, policy=policy.default) for env in self.received]


@dataclass
class RunningServer:
    port: int
    handler: RecordingHandler


@dataclass(frozen=True)
class TlsFiles:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context

    def client_context(self) -> ssl.SSLContext:
        """Trusts only this test certificate, with normal host name checks."""
        return ssl.create_default_context(cafile=str(self.cert))


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    """A self-signed certificate for 127.0.0.1 and localhost."""
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
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    directory = tmp_path_factory.mktemp("tls")
    files = TlsFiles(cert=directory / "cert.pem", key=directory / "key.pem")
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return files


def password_authenticator(user: str, password: str) -> Callable[..., AuthResult]:
    def authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode() == user and auth_data.password.decode() == password
        )
        # handled=False: let aiosmtpd answer a failure with its 535 reply.
        return AuthResult(success=ok, handled=False)

    return authenticate


@pytest.fixture
def smtp_server() -> Iterator[Callable[..., RunningServer]]:
    """Start aiosmtpd servers for one test.

    ``smtp_server(rcpt_reply="550 ...", data_reply="451 ...", login=("user", "pw"),
    **controller_kwargs)``; the servers stop when the test ends.
    """
    controllers: list[Controller] = []

    def start(
        *,
        rcpt_reply: str | None = None,
        data_reply: str | None = None,
        login: tuple[str, str] | None = None,
        **kwargs: Any,
    ) -> RunningServer:
        handler = RecordingHandler(rcpt_reply=rcpt_reply, data_reply=data_reply)
        if login:
            kwargs["authenticator"] = password_authenticator(*login)
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
        controller.start()
        controllers.append(controller)
        return RunningServer(port=port, handler=handler)

    yield start
    for controller in controllers:
        controller.stop()
