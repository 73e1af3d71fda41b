"""Periodic clean-up run by every worker's sweep thread: old finished jobs and delivery logs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from signet.db import transaction
from signet.jobs.queue import purge_done
from signet.models.base import utcnow

DONE_JOBS_KEPT = timedelta(days=7)


def run(ctx: Any) -> None:
    from signet.webhooks.service import purge_delivery_log

    with transaction(ctx.db.write) as session:
        purge_done(session, DONE_JOBS_KEPT)
    with transaction(ctx.db.write) as session:
        purge_delivery_log(session, utcnow())
