"""All SQL of the signing domain: loading and locking requests, the few rows around them, and
listing them (``repository_search`` adds PandaDoc's document search on top).

A request changes state only under its row lock (``transitions.transition``). The loaders that
lock (``for_update``) remember it for the transaction, so the state machine knows it holds the
lock and takes it itself only when a path has not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, delete, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from signet.errors import IllegalTransition, NotFound
from signet.kit.ids import parse_uuid
from signet.models import (
    Blob,
    Recipient,
    Reminder,
    SigningRequest,
    SigningSession,
    UploadedDocument,
    Workspace,
)
from signet.models.base import utcnow
from signet.signing.states import RequestState

SR = SigningRequest
S = RequestState

_LOCKS = "signet.signing.locked_requests"


def _locked(session: Session) -> set[str]:
    """The ids of the requests whose row this session's current transaction has locked."""
    root = session.get_transaction()
    held = session.info.get(_LOCKS)
    if held is None or held[0] is not root:
        held = session.info[_LOCKS] = (root, set())
    ids: set[str] = held[1]
    return ids


def _remember(session: Session, request: SigningRequest | None) -> SigningRequest | None:
    if request is not None:
        _locked(session).add(request.id)
    return request


def get_request(
    session: Session,
    workspace_id: str,
    request_id: str,
    *,
    for_update: bool = False,
    include_deleted: bool = False,
) -> SigningRequest:
    """The request, if it exists in this workspace; another workspace's id is simply not found."""
    canonical = parse_uuid(request_id)
    if canonical is None:
        raise NotFound("Signing request not found")
    stmt = select(SR).where(SR.id == canonical, SR.workspace_id == workspace_id)
    if for_update:
        stmt = stmt.with_for_update()
    request = session.scalars(stmt).first()
    if request is None or (request.state == S.DELETED and not include_deleted):
        raise NotFound("Signing request not found")
    if for_update:
        _remember(session, request)
    return request


def add_request(session: Session, request: SigningRequest) -> None:
    """Store a new request. Until commit its row is this transaction's alone, as good as
    locked, so the moves right after creation need no lock of their own."""
    session.add(request)
    session.flush()
    _remember(session, request)


def find_request(session: Session, request_id: str) -> SigningRequest | None:
    """A request by id in any workspace, without a lock (jobs read before they work)."""
    return session.get(SR, request_id)


def lock_request(session: Session, request_id: str) -> SigningRequest | None:
    """A request by id in any workspace, its row locked until the transaction ends (jobs)."""
    stmt = select(SR).where(SR.id == request_id).with_for_update()
    return _remember(session, session.scalars(stmt).first())


def hold_row_lock(session: Session, request: SigningRequest) -> None:
    """Make sure this transaction holds ``request``'s row lock before its state is written.

    A path that loaded the request without the lock (one that has just created it) gets the
    lock here. Its state was read before the lock, so it is compared with the locked row's: a
    request another transaction moved meanwhile is refused rather than moved from a stale state.
    """
    if request.id is None:
        session.flush()
    if request.id in _locked(session):
        return
    stored = session.scalar(select(SR.state).where(SR.id == request.id).with_for_update())
    _locked(session).add(request.id)
    if stored != request.state:
        raise IllegalTransition("The signing request changed while this action ran; try again")


def request_of_recipient(
    session: Session, recipient_id: str, *, for_update: bool = False
) -> tuple[SigningRequest, Recipient] | None:
    """A recipient (by its id, which is also their link's token) and their request."""
    rid = parse_uuid(recipient_id)
    recipient = session.get(Recipient, rid) if rid else None
    if recipient is None:
        return None
    stmt = select(SR).where(SR.id == recipient.signing_request_id)
    if for_update:
        stmt = stmt.with_for_update()
    request = session.scalars(stmt).one()
    if for_update:
        _remember(session, request)
    return request, recipient


def session_by_token_hash(
    session: Session, token_hash: str, *, for_update: bool = False
) -> tuple[SigningSession, SigningRequest, Recipient | None] | None:
    """An embedded signing session, its request and its recipient (gone if since removed)."""
    row = session.scalars(
        select(SigningSession).where(SigningSession.token_hash == token_hash)
    ).first()
    if row is None:
        return None
    stmt = select(SR).where(SR.id == row.signing_request_id)
    if for_update:
        stmt = stmt.with_for_update()
    request = session.scalars(stmt).one()
    if for_update:
        _remember(session, request)
    return row, request, session.get(Recipient, row.recipient_id)


def delete_signing_sessions(session: Session, request_id: str) -> None:
    session.execute(delete(SigningSession).where(SigningSession.signing_request_id == request_id))


def find_reminder(session: Session, reminder_id: str) -> Reminder | None:
    return session.get(Reminder, reminder_id)


def find_blob(session: Session, sha256: str | None) -> Blob | None:
    return session.get(Blob, sha256) if sha256 else None


def find_upload(
    session: Session, upload_id: str, *, for_update: bool = False
) -> UploadedDocument | None:
    return session.get(UploadedDocument, upload_id, with_for_update=for_update)


def find_workspace(session: Session, workspace_id: str) -> Workspace | None:
    return session.get(Workspace, workspace_id)


def team_email(session: Session, workspace_id: str) -> str | None:
    """The workspace's team address, told about expiries and declines (None when unset)."""
    workspace = find_workspace(session, workspace_id)
    found: str | None = (workspace.settings or {}).get("team_email") if workspace else None
    return found


def find_sealed(session: Session, sha256: str, workspace_id: str | None) -> SigningRequest | None:
    """The request one of whose sealed files has this SHA-256 (in this workspace, if given)."""
    stmt = select(SR).where(
        or_(
            SR.final_sha256 == sha256,
            SR.document_only_sha256 == sha256,
            SR.certificate_only_sha256 == sha256,
        )
    )
    if workspace_id is not None:
        stmt = stmt.where(SR.workspace_id == workspace_id)
    return session.scalars(stmt.limit(1)).first()


# Lazy expiry in SQL: ``states.is_lapsed`` is the same rule for a loaded row.
def lapsed(now: datetime) -> ColumnElement[bool]:
    """In progress and past its expiry: expired for every reader, stored or not yet."""
    return and_(SR.state == S.IN_PROGRESS, SR.expires_at <= now)


def live(now: datetime) -> ColumnElement[bool]:
    """In progress and not past its expiry."""
    return and_(SR.state == S.IN_PROGRESS, or_(SR.expires_at.is_(None), SR.expires_at > now))


def state_in(states: set[str], now: datetime) -> ColumnElement[bool]:
    """Requests whose effective state (lazy expiry applied) is one of ``states``."""
    clauses: list[ColumnElement[bool]] = []
    stored = set(states) - {S.IN_PROGRESS, S.EXPIRED}
    if stored:
        clauses.append(SR.state.in_(sorted(stored)))
    if S.IN_PROGRESS in states:
        clauses.append(live(now))
    if S.EXPIRED in states:
        clauses.append(or_(SR.state == S.EXPIRED, lapsed(now)))
    return or_(*clauses) if clauses else SR.id.is_(None)


def lapsed_request_ids(session: Session, limit: int) -> list[str]:
    """Requests past their expiry whose expiry is not stored yet (the sweep's work)."""
    return list(session.scalars(select(SR.id).where(lapsed(utcnow())).limit(limit)))


@dataclass
class ListFilter:
    """Filters of the list endpoints; states are core states (after face translation)."""

    states: set[str] | None = None
    name: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    signer_email: str | None = None
    signer_name: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)


SORT_COLUMNS = {
    "name": SR.name,
    "created_on": SR.created_at,
    "created_date": SR.created_at,
    "expiration_hours": SR.expiration_hours,
    "sent_on": SR.sent_at,
    "sent_date": SR.sent_at,
    "finished_on": SR.finished_at,
    "finished_date": SR.finished_at,
}


def list_query(workspace_id: str, flt: ListFilter) -> Select[Any]:
    now = utcnow()
    stmt = select(SR).where(SR.workspace_id == workspace_id)
    if flt.states is not None:
        stmt = stmt.where(state_in(flt.states, now))
    else:
        stmt = stmt.where(SR.state != S.DELETED)
    if flt.name:
        stmt = stmt.where(func.lower(SR.name).contains(flt.name.lower(), autoescape=True))
    if flt.created_after:
        stmt = stmt.where(SR.created_at >= flt.created_after)
    if flt.created_before:
        stmt = stmt.where(SR.created_at < flt.created_before)
    if flt.signer_email:
        stmt = stmt.where(
            exists().where(
                Recipient.signing_request_id == SR.id,
                func.lower(Recipient.email) == flt.signer_email.lower(),
            )
        )
    if flt.signer_name:
        full = func.lower(Recipient.first_name + " " + Recipient.last_name)
        stmt = stmt.where(
            exists().where(
                Recipient.signing_request_id == SR.id,
                full.contains(flt.signer_name.lower(), autoescape=True),
            )
        )
    for key, value in flt.metadata.items():
        stmt = stmt.where(SR.metadata_[key].as_string() == value)
    return stmt


def page(
    session: Session,
    stmt: Select[tuple[SigningRequest]],
    *,
    sort_by: str,
    descending: bool,
    page_number: int,
    page_size: int,
) -> tuple[list[SigningRequest], int]:
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    column = SORT_COLUMNS.get(sort_by, SR.created_at)
    order = column.desc() if descending else column.asc()
    tie = SR.id.desc() if descending else SR.id.asc()
    rows: list[SigningRequest] = list(
        session.scalars(
            stmt.order_by(order, tie)
            .offset((page_number - 1) * page_size)
            .limit(page_size)
            .options(selectinload(SR.recipients), selectinload(SR.fields))
        )
    )
    return rows, total
