"""The hourly purge of idempotency keys older than their 24 hours."""

from __future__ import annotations

from signet.context import AppContext
from signet.db import transaction
from signet.idempotency.repository import purge
from signet.jobs.registry import periodic


@periodic("idempotency.purge", every=3600)
def purge_old_keys(ctx: AppContext) -> None:
    with transaction(ctx.db.write) as session:
        purge(session)
