"""The team's email when a failing webhook is turned off (docs/compat/webhooks.md#auto-disable):
queued by ``service.auto_disable`` in its transaction, one job per address, sent by the
worker."""

from __future__ import annotations

from sqlalchemy.orm import Session

from signet.context import AppContext
from signet.jobs.queue import Claimed, enqueue
from signet.jobs.registry import job_handler
from signet.mail import render_email
from signet.mail.tasks import deliver
from signet.models import Webhook
from signet.webhooks import repository

NOTICE_JOB = "email.webhook_disabled"


def _team(session: Session, hook: Webhook) -> list[tuple[str, str]]:
    """(team email, workspace name) of whoever may see the hook: its workspace, or for a
    company-level hook the company's protected workspace (only the company's key sees those
    hooks, docs/compat/webhooks.md#scope-and-secrets; other workspaces' teams must not learn
    its URL); each address once."""
    seen: dict[str, str] = {}
    for workspace in repository.workspaces_seeing(session, hook):
        address = (workspace.settings or {}).get("team_email")
        if address and address not in seen:
            seen[address] = workspace.name
    return list(seen.items())


def queue_notices(session: Session, webhook_id: str, reason: str) -> None:
    """Queue the email to each team address; none when no workspace set one."""
    hook = repository.webhook_by_id(session, webhook_id)
    if hook is None:
        return
    for address, workspace_name in _team(session, hook):
        enqueue(
            session,
            NOTICE_JOB,
            {
                "webhook_id": webhook_id,
                "to": address,
                "workspace_name": workspace_name,
                "reason": reason,
            },
        )


@job_handler(NOTICE_JOB)
def send_notice(ctx: AppContext, job: Claimed) -> None:
    p = job.payload
    with ctx.db.read() as session:
        hook = repository.webhook_by_id(session, p["webhook_id"])
        if hook is None:
            return
        url = hook.url
    rendered = render_email(
        "webhook_disabled",
        {"webhook_url": url, "workspace_name": p["workspace_name"], "disabled_reason": p["reason"]},
    )
    deliver(ctx, rendered, to=p["to"], seed=job.id)
