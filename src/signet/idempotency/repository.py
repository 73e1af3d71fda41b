"""All SQL of idempotency keys: claim a key for one request, record its response, purge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from signet.models import IdempotencyKey
from signet.models.base import utcnow

KEPT = timedelta(hours=24)
# The first request holds its key through a lease that its process renews every RENEW_EVERY
# seconds while it runs. A lease that lapsed means the process died (SIGKILL, a lost host): the
# key is free again, so a client's retry on another node runs instead of waiting.
LEASE = timedelta(seconds=30)
RENEW_EVERY = 10.0
# Rows from before leases existed (no ``alive_until``): free after this long, as then.
ABANDONED = timedelta(minutes=10)


@dataclass(frozen=True)
class Scope:
    workspace_id: str
    method: str
    path: str
    key: str


@dataclass(frozen=True)
class Stored:
    status_code: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass(frozen=True)
class Claim:
    """What to do with a request: ``run`` it (this request holds the key), ``replay`` the stored
    response, or refuse it: ``reused`` (another body) or ``in_flight`` (the first still runs)."""

    outcome: str
    row_id: str | None = None
    stored: Stored | None = None


def _find(session: Session, scope: Scope) -> IdempotencyKey | None:
    return session.scalars(
        select(IdempotencyKey)
        .where(
            IdempotencyKey.workspace_id == scope.workspace_id,
            IdempotencyKey.method == scope.method,
            IdempotencyKey.path == scope.path,
            IdempotencyKey.key == scope.key,
        )
        .with_for_update()
    ).first()


def claim(session: Session, scope: Scope, request_hash: str, now: datetime | None = None) -> Claim:
    now = now or utcnow()
    row = _find(session, scope)
    if row is not None:
        stale = row.created_at < now - KEPT or (row.state == "in_flight" and _lapsed(row, now))
        if not stale:
            if row.request_hash != request_hash:
                return Claim("reused")
            if row.state == "in_flight":
                return Claim("in_flight")
            assert row.status_code is not None
            headers = [(str(k), str(v)) for k, v in row.headers or []]
            return Claim("replay", stored=Stored(row.status_code, headers, row.body or b""))
        session.delete(row)
        session.flush()
    fresh = IdempotencyKey(
        workspace_id=scope.workspace_id,
        method=scope.method,
        path=scope.path,
        key=scope.key,
        request_hash=request_hash,
        state="in_flight",
        created_at=now,
        alive_until=now + LEASE,
    )
    try:
        with session.begin_nested():
            session.add(fresh)
    except IntegrityError:
        # Another process claimed the same key between our read and our insert.
        return Claim("in_flight")
    return Claim("run", row_id=fresh.id)


def _lapsed(row: IdempotencyKey, now: datetime) -> bool:
    if row.alive_until is None:
        return row.created_at < now - ABANDONED
    return row.alive_until < now


def renew(session: Session, row_id: str, now: datetime | None = None) -> bool:
    """Extend the lease of a first request that still runs; False when the key is no longer
    its own (answered, or taken over after the lease lapsed)."""
    now = now or utcnow()
    result: Any = session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.id == row_id, IdempotencyKey.state == "in_flight")
        .values(alive_until=now + LEASE)
    )
    return bool(result.rowcount)


def record(session: Session, row_id: str, stored: Stored) -> None:
    """Keep the first request's response (one UPDATE; nothing when the row is gone)."""
    session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.id == row_id)
        .values(
            state="done",
            status_code=stored.status_code,
            headers=[list(pair) for pair in stored.headers],
            body=stored.body,
            finished_at=utcnow(),
        )
    )


def release(session: Session, row_id: str) -> None:
    """The first try is not kept (5xx, 401, 429, too large): its key may be used again."""
    session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == row_id))


def purge(session: Session, now: datetime | None = None) -> int:
    result: Any = session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.created_at < (now or utcnow()) - KEPT)
    )
    return int(result.rowcount or 0)
