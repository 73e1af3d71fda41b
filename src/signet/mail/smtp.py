"""Email delivery: SMTP from a URL, or .eml files when no SMTP server is configured.

Every delivery failure is one of two exceptions, so a job runner only has to ask "retry?":

    MailDeliveryError
    ├── TemporaryDeliveryError   retry later: network or TLS error, timeout, 4xx reply, disk error
    └── PermanentDeliveryError   do not retry: 5xx reply (recipient, sender or login refused),
                                 or the server lacks what the URL asks for (STARTTLS, AUTH)
"""

from __future__ import annotations

import hashlib
import os
import smtplib
import ssl
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qs, quote, unquote, urlsplit

__all__ = [
    "MailDeliveryError",
    "PermanentDeliveryError",
    "SmtpConfig",
    "TemporaryDeliveryError",
    "parse_smtp_url",
    "send_via_smtp",
    "write_eml",
]

Security = Literal["plain", "starttls", "tls"]
_DEFAULT_PORTS: dict[Security, int] = {"plain": 25, "starttls": 587, "tls": 465}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class MailDeliveryError(Exception):
    """An email could not be delivered. ``smtp_code`` is the server's reply code, if any."""

    retryable: bool = False

    def __init__(self, message: str, *, smtp_code: int | None = None) -> None:
        super().__init__(message)
        self.smtp_code = smtp_code


class TemporaryDeliveryError(MailDeliveryError):
    """The same message may go through later: retry on the job's schedule."""

    retryable = True


class PermanentDeliveryError(MailDeliveryError):
    """Sending the same message again will fail the same way: do not retry."""

    retryable = False


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to connect. ``security``: plain, starttls (upgrade), tls (implicit)."""

    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    security: Security = "plain"

    @property
    def safe_url(self) -> str:
        """The URL without the password, for logs and error messages."""
        scheme = "smtps" if self.security == "tls" else "smtp"
        user = f"{quote(self.username, safe='')}:***@" if self.username else ""
        host = f"[{self.host}]" if ":" in self.host else self.host
        query = "?starttls=1" if self.security == "starttls" else ""
        return f"{scheme}://{user}{host}:{self.port}{query}"


def parse_smtp_url(url: str) -> SmtpConfig:
    """Read ``smtp://user:pass@host:port``, ``smtps://…`` (implicit TLS) or ``smtp://…?starttls=1``.

    User and password are percent-decoded (write ``@`` as ``%40``). Default ports: 25 plain,
    587 STARTTLS, 465 implicit TLS.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("smtp", "smtps"):
        raise ValueError(
            f"unsupported SMTP URL scheme {scheme!r}: use smtp://host:25, "
            "smtp://host:587?starttls=1 or smtps://host:465"
        )
    if not parts.hostname:
        raise ValueError("SMTP URL has no host: expected smtp://user:password@host:port")
    if parts.path not in ("", "/"):
        raise ValueError(f"SMTP URL must not have a path (got {parts.path!r})")
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"SMTP URL has an invalid port: {exc}") from None

    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(set(query) - {"starttls"})
    if unknown:
        raise ValueError(f"unknown SMTP URL option(s) {unknown}; the only option is starttls=1")
    flag = query.get("starttls", ["0"])[-1].lower()
    if flag not in _TRUE | _FALSE:
        raise ValueError(f"starttls must be 1 or 0, not {flag!r}")
    starttls = flag in _TRUE
    if scheme == "smtps" and starttls:
        raise ValueError(
            "smtps:// already uses TLS from the start; drop ?starttls=1 or use smtp://"
        )

    security: Security = "tls" if scheme == "smtps" else "starttls" if starttls else "plain"
    return SmtpConfig(
        host=parts.hostname,
        port=port or _DEFAULT_PORTS[security],
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        security=security,
    )


def send_via_smtp(
    config: SmtpConfig,
    message: EmailMessage,
    timeout: float = 30,
    *,
    ssl_context: ssl.SSLContext | None = None,
    local_hostname: str | None = None,
) -> None:
    """Deliver one message; the envelope comes from its From/To/Cc headers.

    Raises TemporaryDeliveryError or PermanentDeliveryError. ``ssl_context`` defaults to the
    system trust store with host name checks; pass one to trust a private CA.
    ``local_hostname`` is the EHLO name (default: this machine's FQDN).
    """
    context = ssl_context or ssl.create_default_context()
    client: smtplib.SMTP | None = None
    try:
        if config.security == "tls":
            client = smtplib.SMTP_SSL(
                config.host,
                config.port,
                local_hostname=local_hostname,
                timeout=timeout,
                context=context,
            )
        else:
            client = smtplib.SMTP(
                config.host, config.port, local_hostname=local_hostname, timeout=timeout
            )
        if config.security == "starttls":
            client.starttls(context=context)
        if config.username:
            client.login(config.username, config.password or "")
        refused = client.send_message(message)
    except Exception as exc:
        error = _classify(exc, config)
        if error is exc:
            raise
        raise error from exc
    finally:
        if client is not None:
            _close_quietly(client)
    if refused:
        # Some recipients already have the message: a retry would send them a duplicate.
        raise PermanentDeliveryError(
            f"{config.safe_url} refused some recipients: {_describe_refused(refused)}"
        )


def _close_quietly(client: smtplib.SMTP) -> None:
    # A failed QUIT after an accepted message must not turn into a retry (and a duplicate).
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _describe_refused(refused: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{rcpt}: {code} {_text(msg)}" for rcpt, (code, msg) in refused.items())


def _classify(exc: Exception, config: SmtpConfig) -> Exception:
    where = config.safe_url
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        detail = _describe_refused(exc.recipients)
        if codes and all(500 <= code < 600 for code in codes):
            return PermanentDeliveryError(
                f"{where} refused the recipient: {detail}", smtp_code=codes[0]
            )
        return TemporaryDeliveryError(
            f"{where} deferred the recipient: {detail}", smtp_code=codes[0] if codes else None
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        code, reply = exc.smtp_code, _text(exc.smtp_error)
        hint = ""
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            hint = "; check the user and password in the SMTP URL"
        if 500 <= code < 600:
            return PermanentDeliveryError(
                f"{where} rejected the message: {code} {reply}{hint}", smtp_code=code
            )
        return TemporaryDeliveryError(f"{where} answered {code} {reply}{hint}", smtp_code=code)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return PermanentDeliveryError(
            f"{where}: {exc}; check whether the server wants smtps://, ?starttls=1 or no login"
        )
    if isinstance(exc, smtplib.SMTPException | OSError):
        # Network, TLS, timeouts, dropped connections: the server may be back soon.
        return TemporaryDeliveryError(f"could not deliver through {where}: {exc!r}")
    return exc  # a programming error (bad message object): let it surface as it is


def write_eml(directory: Path, message: EmailMessage) -> Path:
    """Store the message as ``<UTC date>_<hash of Message-ID>.eml`` instead of sending it.

    This is delivery when no SMTP server is configured (laptops, tests). Writing is atomic
    (temporary file, then rename) and idempotent: a message whose Message-ID is already stored
    is not written again, and the existing path is returned.
    """
    message_id = message["Message-ID"]
    if not message_id:
        raise ValueError("the message has no Message-ID; build it with build_message()")
    key = hashlib.sha256(str(message_id).strip().encode("utf-8")).hexdigest()[:32]
    try:
        directory.mkdir(parents=True, exist_ok=True)
        existing = sorted(directory.glob(f"*_{key}.eml"))
        if existing:
            return existing[0]
        target = directory / f"{_date_stamp(message)}_{key}.eml"
        # mkstemp makes the file 0600: the email carries a personal signing link.
        fd, tmp_name = tempfile.mkstemp(dir=directory, prefix=f".{key}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(message.as_bytes())
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp_name, target)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise TemporaryDeliveryError(f"could not write the email to {directory}: {exc}") from exc
    return target


def _date_stamp(message: EmailMessage) -> str:
    try:
        sent = parsedate_to_datetime(str(message["Date"]))
    except (TypeError, ValueError):
        sent = datetime.now(UTC)
    if sent.tzinfo is None:
        sent = sent.replace(tzinfo=UTC)
    return sent.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
