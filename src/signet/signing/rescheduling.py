"""Free the once-only job keys of a request (expiry, reminders, finalisation), so a request
reverted to draft or completed a second time can schedule them again.

Jobs are deduplicated by ``dedupe_key`` for as long as their row exists (also once done); a
revert or a manual completion must therefore remove the old rows, or the new schedule would be
silently ignored. A job that is running right now is left alone: its handler re-reads the
request and does nothing when the request has moved on.
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from signet.models import Job, SigningRequest


def scheduled_keys(request: SigningRequest, *, finalize: bool = True) -> list[str]:
    keys = [f"expire:{request.id}"] + [f"reminder:{m.id}" for m in request.reminders]
    if finalize:
        keys.append(f"finalize:{request.id}")
    return keys


def forget_scheduled(session: Session, keys: list[str]) -> int:
    """Remove the not-running jobs holding these keys; returns how many were removed."""
    if not keys:
        return 0
    result = session.execute(delete(Job).where(Job.dedupe_key.in_(keys), Job.state != "running"))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
