"""Periodic clean-up of the job table: finished jobs are kept a week, then purged."""

from __future__ import annotations

from datetime import timedelta

from signet.context import AppContext
from signet.db import transaction
from signet.jobs.queue import purge_done
from signet.jobs.registry import periodic

DONE_JOBS_KEPT = timedelta(days=7)


@periodic("jobs.purge_done", every=3600)
def purge_done_jobs(ctx: AppContext) -> None:
    with transaction(ctx.db.write) as session:
        purge_done(session, DONE_JOBS_KEPT)
