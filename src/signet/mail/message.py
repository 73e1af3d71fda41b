"""MIME message assembly: a rendered email becomes a multipart message with a stable Message-ID."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime

from signet.mail.render import RenderedEmail

__all__ = ["Attachment", "build_message", "stable_message_id"]

# (filename, content, mimetype), e.g. ("contract-signed.pdf", pdf_bytes, "application/pdf").
Attachment = tuple[str, bytes, str]


def stable_message_id(seed: str, domain: str) -> str:
    """``<sha256(seed)[:32]@domain>``: the same job gives the same id on every retry, so the
    receiving side (and write_eml) can recognise a duplicate."""
    domain = domain.strip().strip(".")
    if not domain or any(c in domain for c in "<>@ \t\r\n"):
        raise ValueError(
            f"invalid Message-ID domain {domain!r}; use a host name like mail.example.com"
        )
    digest = hashlib.sha256(seed.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def build_message(
    rendered: RenderedEmail,
    *,
    to: str,
    from_addr: str,
    reply_to: str | None = None,
    message_id_seed: str,
    domain: str,
    attachments: Sequence[Attachment] = (),
    date: datetime | None = None,
) -> EmailMessage:
    """Wrap a rendered email in a multipart/alternative (text, then HTML) message.

    With attachments the message becomes multipart/mixed around the alternative part. ``date``
    defaults to now; pass the job's creation time to make a retried message byte-identical.
    Addresses with line breaks are refused by the email package (no header injection).
    """
    message = EmailMessage()
    message["Subject"] = rendered.subject
    message["From"] = from_addr
    message["To"] = to
    if reply_to:
        message["Reply-To"] = reply_to
    message["Date"] = format_datetime((date or datetime.now(UTC)).astimezone(UTC))
    message["Message-ID"] = stable_message_id(message_id_seed, domain)
    if rendered.email_type:
        message["X-Signet-Email-Type"] = rendered.email_type
    # RFC 3834: tells vacation responders and mailing lists not to answer an automated message.
    message["Auto-Submitted"] = "auto-generated"
    if rendered.language:
        message["Content-Language"] = rendered.language

    # Clients show the last alternative they understand, so HTML goes after the text part.
    message.set_content(rendered.text, subtype="plain", charset="utf-8")
    message.add_alternative(rendered.html, subtype="html", charset="utf-8")
    for filename, content, mimetype in attachments:
        maintype, _, subtype = mimetype.partition("/")
        if not subtype:
            raise ValueError(f"attachment {filename!r}: mimetype must be type/subtype")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    # The email package picks random boundaries; seeded ones make a retry byte-identical.
    seed_hash = hashlib.sha256(f"boundary:{message_id_seed}".encode()).hexdigest()[:24]
    for index, part in enumerate(node for node in message.walk() if node.is_multipart()):
        part.set_boundary(f"==signet_{seed_hash}_{index}==")
    return message
