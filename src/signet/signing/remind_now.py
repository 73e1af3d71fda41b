"""Remind recipients now (PandaDoc ``POST /documents/{id}/send-reminder``): each one must be
pending in the active step; the outcome is reported per recipient."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from signet.audit.service import record_event
from signet.errors import IllegalTransition
from signet.kit.ids import parse_uuid
from signet.models import SigningRequest
from signet.signing import identity, notify
from signet.signing.service import active_step, require_processed
from signet.signing.specs import Actor
from signet.signing.states import RequestState, effective_state


@dataclass
class ReminderOrder:
    recipient_id: str
    email: bool = True
    sms: bool = False
    subject: str | None = None
    message: str | None = None


def remind(
    session: Session,
    env: notify.Env,
    request: SigningRequest,
    actor: Actor,
    orders: list[ReminderOrder],
) -> list[str | None]:
    """Send each reminder; returns, per order, None (sent) or why it failed."""
    require_processed(request)
    if effective_state(request) != RequestState.IN_PROGRESS:
        raise IllegalTransition(
            "Reminders can be sent only for a sent or viewed document", status_code=400
        )
    step = {r.id: r for r in active_step(request)}
    known = {r.id for r in request.recipients}
    outcomes: list[str | None] = []
    for order in orders:
        rid = parse_uuid(order.recipient_id) or ""
        if order.sms:
            outcomes.append("SMS delivery is not supported")
        elif rid not in known:
            outcomes.append("Recipient not found")
        elif rid not in step:
            outcomes.append("The recipient is not pending in the current signing step")
        elif not order.email:
            outcomes.append("No delivery method selected")
        else:
            target = step[rid]
            identity.unlock(session, request, [target], actor)  # the sender's reminder unlocks
            record_event(
                session,
                request,
                "reminder_sent",
                actor,
                recipient_id=rid,
                details={"recipients": [rid], "manual": True},
            )
            notify.on_resent(
                session,
                env,
                request,
                [target],
                order.message,
                subject=order.subject,
                event_type="signing_request.reminder.sent",
            )
            outcomes.append(None)
    return outcomes
