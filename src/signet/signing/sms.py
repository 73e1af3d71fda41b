"""The ``sms.send`` job: deliver a one-time code through the operator's SMS provider
(docs/identity.md#sms). The provider speaks Twilio's shape: a form POST of ``To``, ``From`` and
``Body``, with basic auth taken from ``SIGNET_SMS_URL``."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import httpx

from signet.context import AppContext
from signet.jobs.queue import Claimed
from signet.jobs.registry import GiveUp, job_handler
from signet.kit.sealed import unseal
from signet.signing import repository


def provider(url: str) -> tuple[str, tuple[str, str] | None]:
    """The URL without its credentials, and the basic-auth pair they give."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    auth = (parts.username or "", parts.password or "") if parts.username else None
    return urlunsplit((parts.scheme, host, parts.path, parts.query, "")), auth


@job_handler("sms.send")
def send_sms(ctx: AppContext, job: Claimed) -> None:
    p = job.payload
    url = ctx.settings.sms_url
    if not url:
        raise GiveUp("SIGNET_SMS_URL is not set")
    code = unseal(ctx.secret, str(p.get("code_sealed") or ""))
    if not code:
        raise GiveUp("the code was sealed by another installation")
    with ctx.db.read() as session:
        request = repository.find_request(session, p["signing_request_id"])
        name = request.name if request else "your document"
    body = f"{code} is your code to open {name[:60]}. It works for 10 minutes."
    target, auth = provider(url)
    try:
        response = httpx.post(
            target,
            data={"To": p["to"], "From": ctx.settings.sms_from, "Body": body},
            auth=auth,
            timeout=15,
        )
    except httpx.HTTPError as exc:
        # Retried on the queue's schedule.
        raise RuntimeError(f"SMS provider unreachable: {exc.__class__.__name__}") from exc
    if response.status_code >= 500 or response.status_code == 429:
        raise RuntimeError(f"SMS provider answered {response.status_code}")
    if response.status_code >= 400:
        raise GiveUp(f"SMS provider refused the message: {response.status_code}")
