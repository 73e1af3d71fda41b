"""How the Firma face shows a core state: a string in lists and webhooks, flags in the detail."""

from __future__ import annotations

from datetime import datetime

from signet.models import SigningRequest
from signet.signing.service import Expiring, effective_state

LIST_STATUS = {
    "uploaded": "not_sent",
    "draft": "not_sent",
    "error": "not_sent",
    "in_progress": "in_progress",
    "completed": "finished",
    "cancelled": "cancelled",
    "expired": "expired",
    "declined": "declined",
    "deleted": "deleted",
}
# Filter values accepted by GET /signing-requests?status=… → core states.
FILTER_STATES = {
    "draft": {"draft", "uploaded", "error"},
    "not_sent": {"draft", "uploaded", "error"},
    "in_progress": {"in_progress"},
    "sent": {"in_progress"},
    "finished": {"completed"},
    "completed": {"completed"},
    "cancelled": {"cancelled"},
    "expired": {"expired"},
    "declined": {"declined"},
    "deleted": {"deleted"},
}


def list_status(request: SigningRequest) -> str:
    return LIST_STATUS[effective_state(request)]


def detail_flags(request: Expiring, now: datetime | None = None) -> dict[str, bool]:
    state = effective_state(request, now)
    sent = state not in ("draft", "uploaded", "error")
    return {
        "sent": sent,
        "finished": state == "completed",
        "cancelled": state == "cancelled",
        "declined": state == "declined",
        "expired": state == "expired",
    }
