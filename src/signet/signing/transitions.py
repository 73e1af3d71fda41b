"""The signing request's state machine: one table of moves, and the one function that moves.

Every state change is a ``Move`` from this table and goes through ``transition``, under the
request's row lock; an action whose request is in a state the move does not start from is
refused with ``IllegalTransition`` (``signet.errors``), whatever the face. The actions check
their own preconditions first (``require_*``) so each refusal keeps the wording and status its
face has always answered; ``transition`` checks the table again as the last word.

    create → draft (PandaDoc: → uploaded ─processed→ draft, or ─failed→ error)
    draft ─send→ in_progress ─→ completed | declined | cancelled | expired
    revert: error or any sent state → draft; delete: draft, error, or ended → deleted
    by hand (PandaDoc): → completed, → declined, in_progress → expired

``docs/states.md`` lists the table and how each face names the states.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from signet.errors import IllegalTransition
from signet.models import SigningRequest
from signet.signing import repository
from signet.signing.states import ENDED, RequestState

S = RequestState


@dataclass(frozen=True)
class Move:
    """One kind of state change: the states it may start from and the one it ends in."""

    name: str
    sources: frozenset[RequestState]
    target: RequestState

    def allows(self, state: str) -> bool:
        return state in self.sources


def _move(name: str, sources: set[RequestState] | frozenset[RequestState], target: S) -> Move:
    return Move(name, frozenset(sources), target)


# A PandaDoc create stores the draft, then hands it to the ``document.process`` job.
AWAIT_PROCESSING = _move("queue for processing", {S.DRAFT}, S.UPLOADED)
PROCESSED = _move("finish processing", {S.UPLOADED}, S.DRAFT)
PROCESSING_FAILED = _move("fail processing", {S.UPLOADED}, S.ERROR)
SEND = _move("send", {S.DRAFT}, S.IN_PROGRESS)
# The last signer or approver finishes.
COMPLETE = _move("complete", {S.IN_PROGRESS}, S.COMPLETED)
# A recipient declines on the signing page.
DECLINE = _move("decline", {S.IN_PROGRESS}, S.DECLINED)
CANCEL = _move("cancel", {S.IN_PROGRESS}, S.CANCELLED)
# Lazy expiry stored (by its job, the sweep, the next action) or PandaDoc's status 11 by hand.
EXPIRE = _move("expire", {S.IN_PROGRESS}, S.EXPIRED)
# PandaDoc's status 2 and 12 by hand: from anything processed but the state itself.
COMPLETE_BY_HAND = _move(
    "complete", {S.DRAFT, S.IN_PROGRESS} | (ENDED - {S.COMPLETED}), S.COMPLETED
)
DECLINE_BY_HAND = _move("decline", {S.DRAFT, S.IN_PROGRESS} | (ENDED - {S.DECLINED}), S.DECLINED)
DELETE_DRAFT = _move("delete", {S.DRAFT, S.ERROR}, S.DELETED)
DELETE_ENDED = _move("delete", ENDED, S.DELETED)
REVERT = _move("revert to draft", {S.ERROR, S.IN_PROGRESS} | ENDED, S.DRAFT)

MOVES = (
    AWAIT_PROCESSING,
    PROCESSED,
    PROCESSING_FAILED,
    SEND,
    COMPLETE,
    DECLINE,
    CANCEL,
    EXPIRE,
    COMPLETE_BY_HAND,
    DECLINE_BY_HAND,
    DELETE_DRAFT,
    DELETE_ENDED,
    REVERT,
)
# The graph the moves draw: state → the states it may become.
TABLE: dict[RequestState, frozenset[RequestState]] = {
    state: frozenset(m.target for m in MOVES if state in m.sources) for state in RequestState
}
# PandaDoc's PATCH /documents/{id}/status: the core state asked for → its move.
BY_HAND: dict[str, Move] = {
    S.COMPLETED: COMPLETE_BY_HAND,
    S.EXPIRED: EXPIRE,
    S.DECLINED: DECLINE_BY_HAND,
}


def transition(session: Session, request: SigningRequest, move: Move) -> RequestState:
    """Move ``request`` along ``move`` under its row lock; returns the state it left.

    The only place a request's state is written. The row is normally locked already (loaded
    ``for_update`` by its repository); if not, the lock is taken here, before the write.
    """
    previous = RequestState(request.state)
    if not move.allows(previous):
        raise IllegalTransition(
            f"Cannot {move.name} a signing request that is {previous.replace('_', ' ')}"
        )
    repository.hold_row_lock(session, request)
    request.state = move.target.value
    return previous
