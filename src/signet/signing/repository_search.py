"""The SQL of PandaDoc's document list: integer statuses (lazy expiry included), tags, modified
and completed date ranges, template and ordering, on top of ``repository.list_query``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import String, and_, cast, false, func, not_, or_
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from signet.models import SigningRequest
from signet.models.base import utcnow
from signet.signing import repository
from signet.signing.states import RequestState

SR = SigningRequest
S = RequestState

ORDER_COLUMNS: dict[str, Any] = {
    "name": SR.name,
    "date_created": SR.created_at,
    "date_modified": SR.updated_at,
    "date_status_changed": SR.updated_at,
    "date_of_last_action": func.coalesce(SR.last_signing_action_at, SR.updated_at),
    "date_sent": SR.sent_at,
    "date_completed": SR.finished_at,
    "date_expiration": SR.expires_at,
    "date_declined": SR.declined_at,
    "status": SR.state,
}


def status_clause(code: int, now: datetime) -> ColumnElement[bool]:
    """Documents showing PandaDoc status ``code``; codes Signet never produces match nothing."""
    simple = {0: S.DRAFT, 2: S.COMPLETED, 3: S.UPLOADED, 4: S.ERROR, 12: S.DECLINED}
    if code in simple:
        return SR.state == simple[code]
    if code == 1:
        return and_(repository.live(now), SR.viewed.is_(False))
    if code == 5:
        return and_(repository.live(now), SR.viewed.is_(True))
    if code == 11:
        return repository.state_in({S.CANCELLED, S.EXPIRED}, now)
    return false()


@dataclass
class DocumentQuery:
    base: repository.ListFilter = field(default_factory=repository.ListFilter)
    status: int | None = None
    status_ne: int | None = None
    document_id: str | None = None
    template_id: str | None = None
    tag: str | None = None
    modified_from: datetime | None = None
    modified_to: datetime | None = None
    completed_from: datetime | None = None
    completed_to: datetime | None = None
    order_by: str = "-date_created"
    count: int = 50
    page: int = 1
    nothing: bool = False  # a filter that can match nothing (e.g. an unknown contact)


def search(session: Session, workspace_id: str, q: DocumentQuery) -> list[SigningRequest]:
    """One page of documents, in the requested order."""
    if q.nothing:
        return []
    now = utcnow()
    stmt = repository.list_query(workspace_id, q.base)
    if q.status is not None:
        stmt = stmt.where(status_clause(q.status, now))
    if q.status_ne is not None:
        stmt = stmt.where(not_(status_clause(q.status_ne, now)))
    if q.document_id is not None:
        stmt = stmt.where(SR.id == q.document_id)
    if q.template_id is not None:
        stmt = stmt.where(SR.template_id == q.template_id)
    if q.tag:
        # Tags are a JSON list: match the quoted, JSON-escaped tag in its text form.
        # (SQLite keeps the JSON text ASCII-escaped; PostgreSQL shows the characters.)
        text = cast(SR.tags, String)
        stmt = stmt.where(
            or_(
                *(
                    text.contains(json.dumps(q.tag, ensure_ascii=a), autoescape=True)
                    for a in (True, False)
                )
            )
        )
    for column, low, high in (
        (SR.updated_at, q.modified_from, q.modified_to),
        (SR.finished_at, q.completed_from, q.completed_to),
    ):
        if low is not None:
            stmt = stmt.where(column >= low)
        if high is not None:
            stmt = stmt.where(column < high)
    key = q.order_by.lstrip("-")
    column = ORDER_COLUMNS.get(key, SR.created_at)
    descending = q.order_by.startswith("-")
    order = column.desc() if descending else column.asc()
    tie = SR.id.desc() if descending else SR.id.asc()
    stmt = stmt.order_by(order, tie).offset((q.page - 1) * q.count).limit(q.count)
    return list(session.scalars(stmt).all())
