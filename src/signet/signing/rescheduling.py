"""Free the once-only job keys of a request (expiry, reminders, finalisation), so a request
reverted to draft or completed a second time can schedule them again.

Jobs are deduplicated by ``dedupe_key`` for as long as their row exists (also once done); a
revert or a manual completion must therefore remove the old rows, or the new schedule would be
silently ignored. A job that is running right now is left alone: its handler re-reads the
request and does nothing when the request has moved on.
"""

from __future__ import annotations

from signet.models import SigningRequest


def scheduled_keys(request: SigningRequest, *, finalize: bool = True) -> list[str]:
    keys = [f"expire:{request.id}"] + [f"reminder:{m.id}" for m in request.reminders]
    if finalize:
        keys.append(f"finalize:{request.id}")
    return keys
