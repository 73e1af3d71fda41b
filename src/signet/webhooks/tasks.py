"""The ``webhook.deliver`` job (delivery itself lives in ``webhooks.delivery``)."""

from __future__ import annotations

from typing import Any

from signet.jobs.queue import Claimed
from signet.jobs.worker import job_handler


@job_handler("webhook.deliver")
def deliver_webhook(ctx: Any, job: Claimed) -> None:
    from signet.webhooks.delivery import deliver

    deliver(ctx, job)
