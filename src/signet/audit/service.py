"""Write audit events in the caller's transaction, chained by SHA-256 per signing request.

Each event's hash covers its content serialized as JSON, so the serialization is part of the
stored evidence: it must give the same bytes for as long as chains are kept. Events are hashed
over RFC 8785 (JSON Canonicalization Scheme) output, a standard any verifier can reproduce.
Events written before it (``hash_format`` 0) were hashed over orjson's output with sorted keys,
which still verifies them, so orjson must keep producing those bytes: a test holds a chain
written by that code. See docs/dependencies.md.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import orjson
import rfc8785
from sqlalchemy.orm import Session

from signet.audit.actors import Actor
from signet.audit.repository import last_link
from signet.audit.repository import list_events as list_events  # signing.finalize reads it here
from signet.models import AuditEvent, SigningRequest
from signet.models.base import utcnow

GENESIS = "0" * 64
LEGACY_ORJSON = 0  # hash_format of events written before RFC 8785 (see the module docstring)
RFC8785 = 1
CURRENT_FORMAT = RFC8785


def _digest(
    hash_format: int,
    prev: str,
    seq: int,
    at: datetime,
    event: str,
    actor: Actor,
    recipient_id: str | None,
    details: dict[str, Any],
) -> str:
    content: dict[str, Any] = {
        "prev": prev,
        "seq": seq,
        "at": at.isoformat(),
        "event": event,
        "actor": [actor.type, actor.id, actor.name, actor.email],
        "recipient_id": recipient_id,
        "ip": actor.ip_address,
        "ua": actor.user_agent,
        "details": details,
    }
    if hash_format == RFC8785:
        material = rfc8785.dumps(content)
    elif hash_format == LEGACY_ORJSON:
        material = orjson.dumps(content, option=orjson.OPT_SORT_KEYS)
    else:
        raise ValueError(f"unknown audit hash format {hash_format}")
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
        hash=_digest(CURRENT_FORMAT, prev, seq, at, event, actor, recipient_id, details),
        hash_format=CURRENT_FORMAT,
    )
    session.add(ev)
    return ev


def verify_chain(events: list[AuditEvent]) -> bool:
    """True when every event's hash matches its content and links to the one before.

    Each event is checked in the format it was written in, so a chain begun before RFC 8785
    and continued after it verifies; an unknown format fails the chain.
    """
    prev = GENESIS
    for ev in events:
        actor = Actor(
            ev.actor_type, ev.actor_id, ev.actor_name, ev.actor_email, ev.ip_address, ev.user_agent
        )
        try:
            digest = _digest(
                ev.hash_format, prev, ev.seq, ev.at, ev.event, actor, ev.recipient_id, ev.details
            )
        except (ValueError, TypeError):  # an unknown format, or content JSON cannot hold
            return False
        if ev.prev_hash != prev or ev.hash != digest:
            return False
        prev = ev.hash
    return True
