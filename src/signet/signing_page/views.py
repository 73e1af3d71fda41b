"""The data each page template renders: the document's pages with their fields, the texts, and
the ``data-*`` attributes the page script reads (CSP forbids inline script, so no JSON block)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from signet.kit.ids import short_id
from signet.models import Recipient, SigningRequest
from signet.models.base import utcnow
from signet.signing import rules
from signet.signing.recipient_actions import CLOSED, DONE, SIGNABLE, VIEW_ONLY, WAITING
from signet.signing.repository_reads import request_blob
from signet.signing.states import RequestState, effective_state
from signet.signing_page.access import Link
from signet.signing_page.fields import FieldView, build_field_views
from signet.signing_page.page_images import DEFAULT_WIDTH, EXTENSION, WIDTHS
from signet.signing_page.security import clean_origins
from signet.webhooks.payloads import FIRMA, PANDADOC, status_of

DEFAULT_CONSENT_TEXT = (
    "Before you sign, please confirm that you agree to do business electronically. You will "
    "receive and sign this document electronically instead of on paper, and your electronic "
    "signature will be as binding as a handwritten one. You may ask the sender for a paper copy "
    "at any time, and you may withdraw this consent before signing by declining the document. "
    "To keep a copy, you need a device that can open PDF files."
)
LETTER = (612.0, 792.0)
# Phones up to 900 CSS pixels wide see the page at full width; larger screens at 860 pixels.
IMAGE_SIZES = "(max-width: 900px) 100vw, 860px"


@dataclass
class PageView:
    number: int
    width_pt: float
    height_pt: float
    src: str
    srcset: str
    fields: list[FieldView] = field(default_factory=list)

    @property
    def img_width(self) -> int:
        return 1000

    @property
    def img_height(self) -> int:
        return max(1, round(1000 * self.height_pt / self.width_pt))


def consent_text(ws_settings: dict[str, Any]) -> str:
    text = ws_settings.get("consent_text")
    return text.strip() if isinstance(text, str) and text.strip() else DEFAULT_CONSENT_TEXT


def page_sizes(session: Session, request: SigningRequest) -> list[tuple[float, float]]:
    blob = request_blob(session, request)
    sizes = [(float(w), float(h)) for w, h in (blob.page_sizes if blob else []) or []]
    count = request.page_count or len(sizes) or 1
    sizes += [sizes[-1] if sizes else LETTER] * (count - len(sizes))
    return sizes[:count]


def build_pages(
    link: Link,
    request: SigningRequest,
    sizes: list[tuple[float, float]],
    field_views: list[FieldView],
) -> list[PageView]:
    sha12 = (request.document_sha256 or "none")[:12]
    base = f"{link.base_path}/pages/{sha12}"
    pages = []
    for number, (w, h) in enumerate(sizes, start=1):
        srcset = ", ".join(f"{base}/{number}-{width}.{EXTENSION} {width}w" for width in WIDTHS)
        pages.append(
            PageView(
                number=number,
                width_pt=w or LETTER[0],
                height_pt=h or LETTER[1],
                src=f"{base}/{number}-{DEFAULT_WIDTH}.{EXTENSION}",
                srcset=srcset,
            )
        )
    for view in field_views:
        if 1 <= view.page <= len(pages):
            pages[view.page - 1].fields.append(view)
    return pages


def completion_texts(request: SigningRequest) -> tuple[str, str]:
    settings = request.settings or {}
    title = settings.get("completion_title") or "Thank you"
    if effective_state(request) == RequestState.COMPLETED:
        default = "Everyone has signed. You will receive the completed document by email."
    else:
        default = (
            "You have finished. You will receive the completed document by email once "
            "everyone has signed."
        )
    return str(title), str(settings.get("completion_message") or default)


def download_allowed(request: SigningRequest) -> bool:
    return rules.setting(request.settings or {}, "allow_download")


def message_data(
    link: Link, request: SigningRequest, recipient: Recipient, ws_settings: dict[str, Any]
) -> dict[str, str]:
    """What the script needs for postMessage events (docs/compat/framing.md#postmessage-events)."""
    return {
        "request-id": request.id,
        "recipient-id": recipient.id,
        "document-short-id": short_id(request.id),
        "recipient-short-id": short_id(recipient.id),
        "session-id": link.session_id or "",
        "pandadoc-status": status_of(PANDADOC, request),
        "request-status": status_of(FIRMA, request),
        "embed-origins": json.dumps(clean_origins(ws_settings.get("embed_allowed_origins"))),
    }


def exception_for(request: SigningRequest, page_state: str) -> tuple[str, str] | None:
    """The ``session_view.document.exception`` a page reports, if any."""
    state = effective_state(request)
    if page_state == CLOSED:
        if state == RequestState.DECLINED:
            return "declined", "The document was declined"
        if state == RequestState.COMPLETED and request.certificate_has_error:
            return "finalize_failed", "The completed document could not be sealed yet"
        if state == RequestState.COMPLETED:
            return None
        return "not_signable", f"The document is {state.replace('_', ' ')}"
    if page_state in (WAITING, VIEW_ONLY):
        return "not_signable", "There is nothing for this recipient to sign now"
    return None


def sign_context(
    session: Session,
    link: Link,
    request: SigningRequest,
    recipient: Recipient,
    ws_settings: dict[str, Any],
    page_state: str,
    csrf: str,
) -> dict[str, Any]:
    """Context of ``sign.html``: the document, and the form when it is this recipient's turn."""
    signable = page_state == SIGNABLE
    today = utcnow().date().isoformat()
    views = build_field_views(request, recipient, signable=signable, today=today)
    pages = build_pages(link, request, page_sizes(session, request), views)
    settings = request.settings or {}
    title, message = completion_texts(request)
    delay = settings.get("completion_redirect_delay")
    data = message_data(link, request, recipient, ws_settings)
    exception = exception_for(request, page_state)
    data.update(
        {
            "page-state": page_state,
            "csrf": csrf,
            "base": link.base_path,
            "today": today,
            "hand-drawn-only": "true" if rules.setting(settings, "hand_drawn_only") else "false",
            "guided": "false" if rules.setting(settings, "disable_guided_navigation") else "true",
            "redirect-url": str(settings.get("completion_redirect_url") or ""),
            "redirect-delay": str(delay if isinstance(delay, int) else 5),
            "completion-title": title,
            "completion-message": message,
            "download-url": f"{link.base_path}/download" if download_allowed(request) else "",
            "signer-name": recipient.name,
            "exception-code": exception[0] if exception else "",
            "exception-message": exception[1] if exception else "",
        }
    )
    return {
        "request": request,
        "recipient": recipient,
        "page_state": page_state,
        "signable": signable,
        "pages": pages,
        "field_count": sum(1 for v in views if v.editable),
        "consent_text": consent_text(ws_settings),
        "consent_accepted": recipient.consent_at is not None,
        "hand_drawn_only": data["hand-drawn-only"] == "true",
        "guided": data["guided"] == "true",
        "image_sizes": IMAGE_SIZES,
        "data": data,
    }


NOTICES = {
    "not_found": (
        "Link not found",
        "This signing link does not exist. Check the address, or ask the sender for a new link.",
    ),
    "session_expired": (
        "This link has expired",
        "For your security, signing links expire. Ask the sender for a new one.",
    ),
    "completed": ("This document is complete", "Everyone has signed this document."),
    "declined": (
        "This document was declined",
        "A recipient declined to sign, so the document can no longer be signed.",
    ),
    "cancelled": (
        "This document was cancelled",
        "The sender cancelled this document; it can no longer be signed.",
    ),
    "expired": (
        "This document has expired",
        "The signing period has ended. Ask the sender to send it again.",
    ),
}


def notice_context(
    link: Link | None,
    request: SigningRequest | None,
    recipient: Recipient | None,
    ws_settings: dict[str, Any],
    kind: str,
) -> dict[str, Any]:
    """Context of ``notice.html``: a clear page instead of the form."""
    heading, text = NOTICES.get(kind, NOTICES["not_found"])
    data: dict[str, str] = {"page-state": kind}
    download = None
    if request is not None and recipient is not None and link is not None:
        data.update(message_data(link, request, recipient, ws_settings))
        if kind == DONE:
            heading, text = completion_texts(request)
        elif kind == "session_expired":
            data.update(
                {
                    "exception-code": "session_expired",
                    "exception-message": "The session has expired",
                }
            )
        if kind != "session_expired":
            exception = exception_for(request, CLOSED if kind != DONE else DONE)
            if exception:
                data.update({"exception-code": exception[0], "exception-message": exception[1]})
            if kind in (DONE, "completed") and download_allowed(request):
                download = f"{link.base_path}/download"
    return {
        "heading": heading,
        "text": text,
        "download_url": download,
        "data": data,
        "request": request,
        "kind": kind,
    }
