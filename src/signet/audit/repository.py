"""All SQL of the audit trail: a request's events in order, the link to chain the next one to,
and the latest event of a kind."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from signet.models import AuditEvent


def last_link(session: Session, request_id: str) -> tuple[int, str] | None:
    """(seq, hash) of the request's latest event; None before its first."""
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.hash)
        .where(AuditEvent.signing_request_id == request_id)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    return (last[0], last[1]) if last else None


def list_events(session: Session, request_id: str) -> list[AuditEvent]:
    """The request's events, oldest first."""
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.signing_request_id == request_id)
            .order_by(AuditEvent.seq)
        )
    )


def latest_event_named(session: Session, request_id: str, event: str) -> AuditEvent | None:
    """The request's most recent event called ``event``, if any."""
    return session.scalars(
        select(AuditEvent)
        .where(AuditEvent.signing_request_id == request_id, AuditEvent.event == event)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
