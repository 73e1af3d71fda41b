"""A signing request's core states and the one rule that reads them: lazy expiry.

The states are a ``str`` enum: the database stores the plain values, and a value read back
compares equal to its member. The moves between states are ``signing.transitions``'s table;
how each face names a state is the face's own business (``docs/states.md``).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Protocol

from signet.models.base import utcnow


class RequestState(StrEnum):
    UPLOADED = "uploaded"  # created through PandaDoc, its document still being processed
    DRAFT = "draft"
    ERROR = "error"  # processing failed; it can be reverted to draft or deleted
    IN_PROGRESS = "in_progress"  # sent: recipients may act
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    DECLINED = "declined"
    EXPIRED = "expired"
    DELETED = "deleted"


S = RequestState

# Nothing has gone to a recipient yet (Firma shows all three as ``not_sent``).
UNSENT = frozenset({S.UPLOADED, S.DRAFT, S.ERROR})
# Sent and over: the signing page is closed and the request can only be read, reverted,
# deleted or (by hand, PandaDoc) completed or declined.
ENDED = frozenset({S.COMPLETED, S.CANCELLED, S.DECLINED, S.EXPIRED})
# A recipient's link leads nowhere in these: never sent, sent back to draft, or deleted.
NO_SIGNING_PAGE = UNSENT | {S.DELETED}


class Expiring(Protocol):
    """What the effective state reads: a ``SigningRequest`` or a row read without the ORM."""

    @property
    def state(self) -> str: ...
    @property
    def expires_at(self) -> datetime | None: ...


def is_lapsed(state: str, expires_at: datetime | None, now: datetime) -> bool:
    """Lazy expiry: a request in progress is expired from its ``expires_at`` on, whether or not
    the expiry job has stored it yet. ``repository.lapsed`` is the same rule in SQL."""
    return state == S.IN_PROGRESS and expires_at is not None and now >= expires_at


def effective_state(request: Expiring, now: datetime | None = None) -> RequestState:
    """The state as every reader must see it: in progress past its expiry is expired."""
    if is_lapsed(request.state, request.expires_at, now or utcnow()):
        return S.EXPIRED
    return RequestState(request.state)
