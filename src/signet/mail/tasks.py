"""The ``email.send`` job: load what the email talks about, render, and deliver it.

Delivery is by SMTP when ``SIGNET_SMTP_URL`` is set, else as ``.eml`` files under the data dir
with the signing link logged, so a new user can follow it from the console.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlparse

from signet.context import AppContext
from signet.jobs.queue import Claimed
from signet.jobs.registry import GiveUp, job_handler
from signet.kit.links import SEVEN_DAYS, file_link, signing_link
from signet.kit.sealed import unseal
from signet.mail import (
    Attachment,
    PermanentDeliveryError,
    RenderedEmail,
    build_message,
    parse_smtp_url,
    render_email,
    repository,
    send_via_smtp,
    write_eml,
)
from signet.observability.metrics import EMAILS
from signet.workspaces.repository import workspace_by_id

log = logging.getLogger("signet.mail")
ATTACH_LIMIT = 10 * 1024 * 1024


def _mail_domain(ctx: AppContext) -> str:
    host = urlparse(ctx.base_url).hostname or "localhost"
    return host if "." in host else f"{host}.local"


@job_handler("email.send")
def send_email(ctx: AppContext, job: Claimed) -> None:
    p = job.payload
    with ctx.db.read() as session:
        request = repository.request_by_id(session, p["signing_request_id"])
        if request is None:
            raise GiveUp("signing request vanished")
        recipient = repository.recipient_by_id(session, p.get("recipient_id"))
        workspace = workspace_by_id(session, request.workspace_id)
        to = recipient.email if recipient else p.get("to")
        if not to:
            raise GiveUp("no address to send to")
        extra = dict(p.get("extra") or {})
        context: dict[str, Any] = {
            "signer_name": recipient.name if recipient else "",
            "signer_first_name": recipient.first_name if recipient else "",
            "signer_email": to,
            "signing_link": signing_link(ctx.base_url, recipient.id) if recipient else None,
            "document_name": request.name,
            "document_description": request.description,
            "expires_at": request.expires_at,
            "expiration_hours": request.expiration_hours,
            "completed_at": request.finished_at,
            "sender_name": workspace.name if workspace else "",
            "company_name": workspace.name if workspace else "",
            "workspace_name": workspace.name if workspace else "",
            "cancel_reason": request.cancel_reason,
            "decline_reason": request.decline_reason,
            **{k: v for k, v in extra.items() if k not in ("subject", "otp_code_sealed")},
        }
        if extra.get("otp_code_sealed"):
            # A one-time code crosses the queue sealed (docs/identity.md#how-codes-are-kept).
            context["otp_code"] = unseal(ctx.secret, str(extra["otp_code_sealed"]))
            if not context["otp_code"]:
                raise GiveUp("the one-time code was sealed by another installation")
        attachments: list[Attachment] = []
        if p["email_type"] == "signing_completed" and request.final_sha256:
            data = ctx.store.get(request.final_sha256)
            if request.settings.get("attach_pdf_on_finish", True) and len(data) <= ATTACH_LIMIT:
                attachments.append((f"{request.name[:80]}.pdf", data, "application/pdf"))
            else:
                context["download_link"] = file_link(
                    ctx.base_url, ctx.secret, request.final_sha256, "document.pdf", SEVEN_DAYS
                )[0]
        language = request.language
        # PandaDoc's send reply_to, else the workspace's team email (docs/emails.md).
        reply_to = (request.settings or {}).get("reply_to") or (
            (workspace.settings or {}).get("team_email") if workspace else None
        )
    rendered = render_email(p["email_type"], context, language, subject=extra.get("subject"))
    link = context.get("signing_link") if p["email_type"] != "signing_otp" else None
    deliver(
        ctx,
        rendered,
        to=to,
        seed=job.id,
        reply_to=reply_to,
        attachments=attachments,
        note=f"; signing link: {link}" if link else "",
    )


def deliver(
    ctx: AppContext,
    rendered: RenderedEmail,
    *,
    to: str,
    seed: str,
    reply_to: str | None = None,
    attachments: list[Attachment] | None = None,
    note: str = "",
) -> None:
    """Send one rendered email by SMTP, or write it as an .eml file (logged with ``note``).

    ``seed`` (the job's id) makes the Message-ID, so a retried job's email is recognisable.
    """
    message = build_message(
        rendered,
        to=to,
        from_addr=ctx.settings.mail_from,
        reply_to=reply_to,
        message_id_seed=seed,
        domain=_mail_domain(ctx),
        attachments=attachments or [],
    )
    if ctx.settings.smtp_url:
        try:
            send_via_smtp(parse_smtp_url(ctx.settings.smtp_url), message)
        except PermanentDeliveryError as exc:
            EMAILS.labels("failed").inc()
            raise GiveUp(str(exc)) from exc
        except Exception:
            EMAILS.labels("failed").inc()
            raise
        EMAILS.labels("sent").inc()
    else:
        path = write_eml(ctx.settings.data_dir / "mail", message)
        EMAILS.labels("sent").inc()
        log.info("email %s to %s written to %s%s", rendered.email_type, to, path, note)
