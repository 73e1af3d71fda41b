"""How the Firma face shows a core state: a string in lists and webhooks, flags in the detail."""

from __future__ import annotations

from datetime import datetime

from signet.models import SigningRequest
from signet.signing.states import UNSENT, Expiring, RequestState, effective_state

S = RequestState

LIST_STATUS = {
    S.UPLOADED: "not_sent",
    S.DRAFT: "not_sent",
    S.ERROR: "not_sent",
    S.IN_PROGRESS: "in_progress",
    S.COMPLETED: "finished",
    S.CANCELLED: "cancelled",
    S.EXPIRED: "expired",
    S.DECLINED: "declined",
    S.DELETED: "deleted",
}
# Filter values accepted by GET /signing-requests?status=… → core states.
FILTER_STATES: dict[str, set[str]] = {
    "draft": set(UNSENT),
    "not_sent": set(UNSENT),
    "in_progress": {S.IN_PROGRESS},
    "sent": {S.IN_PROGRESS},
    "finished": {S.COMPLETED},
    "completed": {S.COMPLETED},
    "cancelled": {S.CANCELLED},
    "expired": {S.EXPIRED},
    "declined": {S.DECLINED},
    "deleted": {S.DELETED},
}


def list_status(request: SigningRequest) -> str:
    return LIST_STATUS[effective_state(request)]


def detail_flags(request: Expiring, now: datetime | None = None) -> dict[str, bool]:
    state = effective_state(request, now)
    return {
        "sent": state not in UNSENT,
        "finished": state == S.COMPLETED,
        "cancelled": state == S.CANCELLED,
        "declined": state == S.DECLINED,
        "expired": state == S.EXPIRED,
    }
