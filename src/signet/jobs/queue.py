"""Enqueue, claim, finish and fail jobs. All SQL of the job table lives here.

Claiming: on PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets many workers take different jobs at
once; on SQLite the write transaction (BEGIN IMMEDIATE) makes one claimer at a time. A claim is
a lease (``locked_until``); a running worker renews it, a killed one does not, and the job is
claimed again when the lease runs out. Finishing checks the lease holder and attempt number, so a
worker whose lease was taken over cannot overwrite the newer attempt's outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from signet.models import Job
from signet.models.base import new_id, utcnow
from signet.observability.metrics import QueueRow


def enqueue(
    session: Session,
    kind: str,
    payload: dict[str, Any],
    *,
    run_at: datetime | None = None,
    dedupe_key: str | None = None,
    max_attempts: int = 10,
) -> None:
    """Add a job in the caller's transaction; with ``dedupe_key``, a second enqueue is ignored."""
    now = utcnow()
    values = {
        "id": new_id(),
        "kind": kind,
        "payload": payload,
        "state": "pending",
        "attempts": 0,
        "max_attempts": max_attempts,
        "run_at": run_at or now,
        "dedupe_key": dedupe_key,
        "created_at": now,
        "updated_at": now,
    }
    dialect = session.get_bind().dialect.name
    session.info["jobs_enqueued"] = True
    if dedupe_key is None:
        session.add(Job(**values))
        return
    session.flush()
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(Job).values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"])
    session.execute(stmt)


@dataclass(frozen=True)
class Claimed:
    id: str
    kind: str
    payload: dict[str, Any]
    attempt: int
    max_attempts: int
    worker: str


def claim(session: Session, worker: str, lease_seconds: float, limit: int = 1) -> list[Claimed]:
    """Take up to ``limit`` due jobs (or jobs whose lease ran out) for ``worker``."""
    now = utcnow()
    due = or_(
        and_(Job.state == "pending", Job.run_at <= now),
        and_(Job.state == "running", Job.locked_until < now),
    )
    pick = select(Job.id).where(due).order_by(Job.run_at).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    ids = list(session.scalars(pick))
    if not ids:
        return []
    until = now + timedelta(seconds=lease_seconds)
    rows = session.execute(
        update(Job)
        .where(Job.id.in_(ids), due)
        .values(
            state="running",
            locked_by=worker,
            locked_until=until,
            attempts=Job.attempts + 1,
            updated_at=now,
        )
        .returning(Job.id, Job.kind, Job.payload, Job.attempts, Job.max_attempts)
    ).all()
    return [Claimed(r[0], r[1], dict(r[2] or {}), r[3], r[4], worker) for r in rows]


def _mine(job: Claimed):  # type: ignore[no-untyped-def]
    return and_(
        Job.id == job.id,
        Job.locked_by == job.worker,
        Job.attempts == job.attempt,
        Job.state == "running",
    )


def renew(session: Session, job: Claimed, lease_seconds: float) -> bool:
    now = utcnow()
    result = session.execute(
        update(Job)
        .where(_mine(job))
        .values(locked_until=now + timedelta(seconds=lease_seconds), updated_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def complete(session: Session, job: Claimed) -> bool:
    now = utcnow()
    result = session.execute(
        update(Job)
        .where(_mine(job))
        .values(
            state="done",
            locked_by=None,
            locked_until=None,
            finished_at=now,
            updated_at=now,
            last_error=None,
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def fail(session: Session, job: Claimed, error: str, *, retry_in: float | None) -> str:
    """Record a failed attempt: back to pending after ``retry_in`` seconds, or dead."""
    now = utcnow()
    dead = retry_in is None or job.attempt >= job.max_attempts
    state = "dead" if dead else "pending"
    session.execute(
        update(Job)
        .where(_mine(job))
        .values(
            state=state,
            locked_by=None,
            locked_until=None,
            last_error=error[:4000],
            run_at=now if dead else now + timedelta(seconds=retry_in or 0),
            updated_at=now,
            finished_at=now if dead else None,
        )
    )
    return state


def cancel_scheduled(session: Session, keys: list[str]) -> int:
    """Remove the not-running jobs holding these dedupe keys (an expiry or reminder that no
    longer applies); returns how many were removed."""
    from sqlalchemy import delete

    if not keys:
        return 0
    result = session.execute(delete(Job).where(Job.dedupe_key.in_(keys), Job.state != "running"))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def retry_dead(session: Session, job_id: str) -> bool:
    now = utcnow()
    result = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state == "dead")
        .values(state="pending", run_at=now, attempts=0, updated_at=now, finished_at=None)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def list_jobs(
    session: Session, states: tuple[str, ...] = ("pending", "running", "dead"), limit: int = 200
) -> list[Job]:
    return list(
        session.scalars(select(Job).where(Job.state.in_(states)).order_by(Job.run_at).limit(limit))
    )


def purge_done(session: Session, older_than: timedelta) -> int:
    from sqlalchemy import delete

    result = session.execute(
        delete(Job).where(Job.state == "done", Job.finished_at < utcnow() - older_than)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def queue_stats(session: Session) -> list[QueueRow]:
    """Per kind: due jobs waiting to run (a lapsed lease counts again), when the oldest became
    due, and dead jobs; for ``/metrics``, using the claim index."""
    now = utcnow()
    waiting = or_(
        and_(Job.state == "pending", Job.run_at <= now),
        and_(Job.state == "running", Job.locked_until < now),
    )
    rows: dict[str, QueueRow] = {}
    due = session.execute(
        select(Job.kind, func.count(), func.min(Job.run_at)).where(waiting).group_by(Job.kind)
    )
    for kind, count, oldest in due:
        rows[kind] = QueueRow(kind, int(count), _unix(oldest))
    dead = session.execute(
        select(Job.kind, func.count()).where(Job.state == "dead").group_by(Job.kind)
    )
    for kind, count in dead:
        row = rows.get(kind, QueueRow(kind, 0, None))
        rows[kind] = QueueRow(kind, row.waiting, row.oldest_due_at, int(count))
    return sorted(rows.values(), key=lambda r: r.kind)


def _unix(value: datetime | None) -> float | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite hands back naive UTC
        value = value.replace(tzinfo=UTC)
    return value.timestamp()
