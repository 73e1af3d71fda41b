"""Write audit events in the caller's transaction, chained by SHA-256 per signing request."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.orm import Session

from signet.audit.actors import Actor
from signet.audit.repository import last_link
from signet.audit.repository import list_events as list_events  # signing.finalize reads it here
from signet.models import AuditEvent, SigningRequest
from signet.models.base import utcnow

GENESIS = "0" * 64


def _digest(
    prev: str,
    seq: int,
    at: datetime,
    event: str,
    actor: Actor,
    recipient_id: str | None,
    details: dict[str, Any],
) -> str:
    material = orjson.dumps(
        {
            "prev": prev,
            "seq": seq,
            "at": at.isoformat(),
            "event": event,
            "actor": [actor.type, actor.id, actor.name, actor.email],
            "recipient_id": recipient_id,
            "ip": actor.ip_address,
            "ua": actor.user_agent,
            "details": details,
        },
        option=orjson.OPT_SORT_KEYS,
    )
    return hashlib.sha256(material).hexdigest()


def record_event(
    session: Session,
    request: SigningRequest,
    event: str,
    actor: Actor,
    *,
    details: dict[str, Any] | None = None,
    recipient_id: str | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Append one event. The caller holds the request's row lock (or SQLite's write lock), so the
    sequence cannot fork; a unique index on (request, seq) guards it anyway."""
    session.flush()
    last = last_link(session, request.id)
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    at = at or utcnow()
    details = details or {}
    ev = AuditEvent(
        workspace_id=request.workspace_id,
        signing_request_id=request.id,
        seq=seq,
        at=at,
        source=actor.source,
        event=event,
        actor_type=actor.type,
        actor_id=actor.id,
        actor_name=actor.name,
        actor_email=actor.email,
        recipient_id=recipient_id,
        ip_address=actor.ip_address,
        user_agent=actor.user_agent,
        details=details,
        prev_hash=prev,
        hash=_digest(prev, seq, at, event, actor, recipient_id, details),
    )
    session.add(ev)
    return ev


def verify_chain(events: list[AuditEvent]) -> bool:
    """True when every event's hash matches its content and links to the one before."""
    prev = GENESIS
    for ev in events:
        actor = Actor(
            ev.actor_type, ev.actor_id, ev.actor_name, ev.actor_email, ev.ip_address, ev.user_agent
        )
        if ev.prev_hash != prev or ev.hash != _digest(
            prev, ev.seq, ev.at, ev.event, actor, ev.recipient_id, ev.details
        ):
            return False
        prev = ev.hash
    return True
