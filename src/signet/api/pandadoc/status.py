"""How the PandaDoc face shows a core state: ``document.*`` strings in responses, integer codes
in filters and status changes (docs/compat/statuses.md#pandadoc)."""

from __future__ import annotations

from signet.errors import ValidationFailed
from signet.models import SigningRequest
from signet.signing.states import RequestState, effective_state

S = RequestState

# Core state → the document's status word (``in_progress`` is sent or viewed, see below).
PANDADOC_STATUS = {
    S.UPLOADED: "document.uploaded",
    S.DRAFT: "document.draft",
    S.ERROR: "document.error",
    S.COMPLETED: "document.completed",
    S.CANCELLED: "document.voided",
    S.EXPIRED: "document.voided",
    S.DECLINED: "document.declined",
    S.DELETED: "document.deleted",
}

STATUS_NAMES = {
    0: "document.draft",
    1: "document.sent",
    2: "document.completed",
    3: "document.uploaded",
    4: "document.error",
    5: "document.viewed",
    6: "document.waiting_approval",
    7: "document.approved",
    8: "document.rejected",
    9: "document.waiting_pay",
    10: "document.paid",
    11: "document.voided",
    12: "document.declined",
    13: "document.external_review",
    14: "document.scheduled",
}


def pandadoc_status(request: SigningRequest) -> str:
    state = effective_state(request)
    if state == S.IN_PROGRESS:
        return "document.viewed" if request.viewed else "document.sent"
    return PANDADOC_STATUS.get(state, "document.draft")


_BY_NAME = {v: k for k, v in STATUS_NAMES.items()}

# PATCH /documents/{id}/status: code → the core state it sets.
MANUAL_TARGETS = {2: S.COMPLETED, 11: S.EXPIRED, 12: S.DECLINED}


def parse_status_code(raw: object, loc: str = "status") -> int:
    """An integer status (digit strings and ``document.*`` names are accepted too)."""
    if isinstance(raw, bool):
        raise ValidationFailed([(loc, "A valid integer is required.")])
    if isinstance(raw, int):
        code = raw
    elif isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
        code = int(raw.strip())
    elif isinstance(raw, str) and raw.strip() in _BY_NAME:
        code = _BY_NAME[raw.strip()]
    else:
        raise ValidationFailed([(loc, "A valid integer is required.")])
    if code not in STATUS_NAMES:
        raise ValidationFailed([(loc, f'"{code}" is not a valid choice.')])
    return code
