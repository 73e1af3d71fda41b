"""The SQL of archive timestamp renewal (``signing.archive_renewal``): which requests are due,
and the history of renewed files."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from signet.models import ArchiveRenewal, SigningRequest

SR = SigningRequest


def due_request_ids(
    session: Session, expiring_before: datetime, renewable_before: datetime, limit: int
) -> list[tuple[str, str]]:
    """Requests with sealed files whose last document timestamps expire before
    ``expiring_before`` (the window) and before ``renewable_before`` (what the TSA's current
    certificate would give: a renewal that extends nothing is not due), soonest first; with
    each, its final file's SHA-256."""
    stmt = (
        select(SR.id, SR.final_sha256)
        .where(
            SR.final_sha256.is_not(None),
            SR.deleted_at.is_(None),
            SR.archive_expires_at.is_not(None),
            SR.archive_expires_at <= expiring_before,
            SR.archive_expires_at < renewable_before,
        )
        .order_by(SR.archive_expires_at)
        .limit(limit)
    )
    return [(row[0], row[1] or "") for row in session.execute(stmt)]


def any_due(session: Session, expiring_before: datetime) -> bool:
    stmt = select(SR.id).where(
        SR.final_sha256.is_not(None),
        SR.deleted_at.is_(None),
        SR.archive_expires_at.is_not(None),
        SR.archive_expires_at <= expiring_before,
    )
    return session.scalars(stmt.limit(1)).first() is not None


def find_renewed(session: Session, sha256: str) -> ArchiveRenewal | None:
    """The renewal that replaced the file with this SHA-256 (an earlier version), if any."""
    stmt = select(ArchiveRenewal).where(ArchiveRenewal.previous_sha256 == sha256)
    return session.scalars(stmt.limit(1)).first()


def renewals_of(session: Session, request_id: str) -> list[ArchiveRenewal]:
    stmt = (
        select(ArchiveRenewal)
        .where(ArchiveRenewal.signing_request_id == request_id)
        .order_by(ArchiveRenewal.created_at)
    )
    return list(session.scalars(stmt))
