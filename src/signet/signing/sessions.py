"""Embedded signing sessions: an expiring, random link for one recipient (PandaDoc
``…/session``). The 22-char id is handed out once and stored only as a SHA-256."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from signet.audit.service import record_event
from signet.errors import NotFound, SignetError, ValidationFailed
from signet.kit.tokens import hash_token, random_base62
from signet.models import Recipient, SigningRequest, SigningSession
from signet.models.base import utcnow
from signet.signing import repository
from signet.signing.service import require_processed
from signet.signing.specs import Actor
from signet.signing.states import NO_SIGNING_PAGE, RequestState, effective_state

S = RequestState
# A session opens the signing page, so only a request out for signing (or finished, to read it)
# can have one.
REFUSED_STATES = frozenset({S.DRAFT, S.ERROR, S.DECLINED, S.CANCELLED, S.EXPIRED})

MIN_LIFETIME, MAX_LIFETIME, DEFAULT_LIFETIME = 60, 31_536_000, 3600


class SessionRefused(SignetError):
    """No session for a request in this state; the face names the state in its own words."""

    status_code = 400
    code = "VALIDATION_ERROR"

    def __init__(self, state: RequestState) -> None:
        super().__init__(f"Cannot create a session for a request in state {state.value}")
        self.state = state


class SessionExpired(SignetError):
    status_code = 410
    code = "SESSION_EXPIRED"


def create_session(
    session: Session,
    request: SigningRequest,
    recipient_email: str,
    lifetime: float | None,
    actor: Actor,
) -> tuple[str, SigningSession]:
    """A new session for the recipient with this email; only once the request is sent."""
    require_processed(request)
    state = effective_state(request)
    if state in REFUSED_STATES:
        raise SessionRefused(state)
    seconds = DEFAULT_LIFETIME if lifetime is None else lifetime
    if not MIN_LIFETIME <= seconds <= MAX_LIFETIME:
        raise ValidationFailed(
            [("lifetime", f"must be between {MIN_LIFETIME} and {MAX_LIFETIME} seconds")]
        )
    email = (recipient_email or "").strip().lower()
    recipient = next((r for r in request.recipients if r.email.lower() == email), None)
    if recipient is None:
        raise ValidationFailed([("recipient", "is not a recipient of this document")])
    token = random_base62(22)
    row = SigningSession(
        token_hash=hash_token(token),
        signing_request_id=request.id,
        recipient_id=recipient.id,
        created_by_key_id=actor.id,
        created_by_key_name=actor.name,
        expires_at=utcnow() + timedelta(seconds=seconds),
    )
    session.add(row)
    session.flush()
    record_event(
        session,
        request,
        "session_created",
        actor,
        recipient_id=recipient.id,
        details={"expires_at": row.expires_at.isoformat(), "key_name": actor.name},
    )
    return token, row


def resolve_session(
    session: Session, token: str, *, for_update: bool = False
) -> tuple[SigningRequest, Recipient, SigningSession]:
    found = repository.session_by_token_hash(
        session, hash_token(token or ""), for_update=for_update
    )
    if found is None:
        raise NotFound("Signing session not found")
    row, request, recipient = found
    # A request reverted to draft or deleted since the session was made has no page to show.
    if recipient is None or request.state in NO_SIGNING_PAGE:
        raise NotFound("Signing session not found")
    if row.expires_at <= utcnow():
        raise SessionExpired("This signing link has expired; ask the sender for a new one")
    return request, recipient, row
