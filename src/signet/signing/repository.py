"""All SQL of the signing domain: loading requests for a workspace and listing them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from signet.errors import NotFound
from signet.kit.ids import parse_uuid
from signet.models import Recipient, SigningRequest
from signet.models.base import utcnow


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
    stmt = select(SigningRequest).where(
        SigningRequest.id == canonical, SigningRequest.workspace_id == workspace_id
    )
    if for_update:
        stmt = stmt.with_for_update()
    request = session.scalars(stmt).first()
    if request is None or (request.state == "deleted" and not include_deleted):
        raise NotFound("Signing request not found")
    return request


@dataclass
class ListFilter:
    """Filters of the list endpoints; states are core states (after face translation)."""

    states: set[str] | None = None
    include_expired_in_progress: bool = True
    name: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    signer_email: str | None = None
    signer_name: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)


SORT_COLUMNS = {
    "name": SigningRequest.name,
    "created_on": SigningRequest.created_at,
    "created_date": SigningRequest.created_at,
    "expiration_hours": SigningRequest.expiration_hours,
    "sent_on": SigningRequest.sent_at,
    "sent_date": SigningRequest.sent_at,
    "finished_on": SigningRequest.finished_at,
    "finished_date": SigningRequest.finished_at,
}


def _state_clause(states: set[str], now: datetime) -> ColumnElement[bool]:
    """Match core states, treating in_progress past its expiry as expired (lazy expiry)."""
    live_expired = and_(SigningRequest.state == "in_progress", SigningRequest.expires_at <= now)
    clauses: list[ColumnElement[bool]] = []
    stored = states - {"in_progress", "expired"}
    if stored:
        clauses.append(SigningRequest.state.in_(stored))
    if "in_progress" in states:
        clauses.append(
            and_(
                SigningRequest.state == "in_progress",
                or_(SigningRequest.expires_at.is_(None), SigningRequest.expires_at > now),
            )
        )
    if "expired" in states:
        clauses.append(or_(SigningRequest.state == "expired", live_expired))
    return or_(*clauses) if clauses else SigningRequest.id.is_(None)


def list_query(workspace_id: str, flt: ListFilter) -> Select[Any]:
    now = utcnow()
    stmt = select(SigningRequest).where(SigningRequest.workspace_id == workspace_id)
    if flt.states is not None:
        stmt = stmt.where(_state_clause(flt.states, now))
    else:
        stmt = stmt.where(SigningRequest.state != "deleted")
    if flt.name:
        stmt = stmt.where(
            func.lower(SigningRequest.name).contains(flt.name.lower(), autoescape=True)
        )
    if flt.created_after:
        stmt = stmt.where(SigningRequest.created_at >= flt.created_after)
    if flt.created_before:
        stmt = stmt.where(SigningRequest.created_at < flt.created_before)
    if flt.signer_email:
        stmt = stmt.where(
            exists().where(
                Recipient.signing_request_id == SigningRequest.id,
                func.lower(Recipient.email) == flt.signer_email.lower(),
            )
        )
    if flt.signer_name:
        full = func.lower(Recipient.first_name + " " + Recipient.last_name)
        stmt = stmt.where(
            exists().where(
                Recipient.signing_request_id == SigningRequest.id,
                full.contains(flt.signer_name.lower(), autoescape=True),
            )
        )
    for key, value in flt.metadata.items():
        stmt = stmt.where(SigningRequest.metadata_[key].as_string() == value)
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
    column = SORT_COLUMNS.get(sort_by, SigningRequest.created_at)
    order = column.desc() if descending else column.asc()
    tie = SigningRequest.id.desc() if descending else SigningRequest.id.asc()
    rows: list[SigningRequest] = list(
        session.scalars(
            stmt.order_by(order, tie)
            .offset((page_number - 1) * page_size)
            .limit(page_size)
            .options(selectinload(SigningRequest.recipients), selectinload(SigningRequest.fields))
        )
    )
    return rows, total
