"""Emails (docs/emails.md): rendering from templates, MIME assembly, and delivery by SMTP or
.eml file.

Pure code: no database, no HTTP. The job that sends an email loads its data, then calls
``render_email`` → ``build_message`` → ``send_via_smtp`` (or ``write_eml`` without SMTP).
"""

from signet.mail.message import Attachment, build_message, stable_message_id
from signet.mail.render import (
    EMAIL_TYPES,
    PLACEHOLDERS,
    DictTemplateSource,
    RenderedEmail,
    TemplateSource,
    render_email,
    template_warnings,
)
from signet.mail.smtp import (
    MailDeliveryError,
    PermanentDeliveryError,
    SmtpConfig,
    TemporaryDeliveryError,
    parse_smtp_url,
    send_via_smtp,
    write_eml,
)

__all__ = [
    "EMAIL_TYPES",
    "PLACEHOLDERS",
    "Attachment",
    "DictTemplateSource",
    "MailDeliveryError",
    "PermanentDeliveryError",
    "RenderedEmail",
    "SmtpConfig",
    "TemplateSource",
    "TemporaryDeliveryError",
    "build_message",
    "parse_smtp_url",
    "render_email",
    "send_via_smtp",
    "stable_message_id",
    "template_warnings",
    "write_eml",
]
