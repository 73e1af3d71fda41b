"""Jobs of the webhook domain: ``webhook.deliver`` (delivery itself lives in
``webhooks.delivery``) and the hourly purge of the delivery log."""

from __future__ import annotations

from signet.context import AppContext
from signet.db import transaction
from signet.jobs.queue import Claimed
from signet.jobs.registry import job_handler, periodic
from signet.models.base import utcnow
from signet.webhooks.delivery import deliver
from signet.webhooks.service import purge_delivery_log


@job_handler("webhook.deliver")
def deliver_webhook(ctx: AppContext, job: Claimed) -> None:
    deliver(ctx, job)


@periodic("webhooks.purge_delivery_log", every=3600)
def purge_old_deliveries(ctx: AppContext) -> None:
    with transaction(ctx.db.write) as session:
        purge_delivery_log(session, utcnow())
