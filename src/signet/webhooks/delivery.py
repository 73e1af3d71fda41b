"""Send webhook deliveries: sign, POST once, log the attempt, decide what follows
(docs/compat/webhooks.md#delivery).

:func:`deliver` is the ``webhook.deliver`` job; :func:`send_test` serves the synchronous
``POST /webhooks/{id}/test``. Policy, in one place:

* success is a 2xx within 10 s (Firma) or 20 s (PandaDoc); redirects are not followed;
* a network error, a timeout, a refused address, 3xx, 4xx and 5xx are failures and are retried
  on the job framework's published schedule (``schedule_delay``), ten attempts in all; a 429
  waits for its ``Retry-After`` instead;
* a 410 stops at once and turns the webhook off, as do five failures or more with no 2xx for
  seven days; turning a webhook off cancels its pending deliveries;
* a delivery whose webhook is deleted or off, or whose workspace turned webhooks off, is
  cancelled without sending.

No database transaction is open while the HTTP request runs.
"""

from __future__ import annotations

import email.utils
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.orm import Session

from signet import __version__
from signet.context import AppContext
from signet.db import transaction
from signet.jobs.queue import Claimed
from signet.jobs.registry import RetryLater, schedule_delay
from signet.models import Webhook, WebhookAttempt, WebhookDelivery, WebhookEvent
from signet.models.base import utcnow
from signet.observability.metrics import WEBHOOK_DELIVERIES
from signet.webhooks import delivery_repository, netguard, service
from signet.webhooks.events import firma_envelope
from signet.webhooks.signatures import (
    append_signature_param,
    firma_signature_headers,
    pandadoc_signature,
)

log = logging.getLogger("signet.webhooks")

FIRMA_TIMEOUT_S = 10.0
PANDADOC_TIMEOUT_S = 20.0
EXCERPT_BYTES = 64 * 1024
AUTO_DISABLE_FAILURES = 5
AUTO_DISABLE_AFTER = timedelta(days=7)
MAX_RETRY_AFTER_S = 86_400.0
USER_AGENT = f"Signet-Webhooks/{__version__}"


@dataclass(frozen=True)
class Outgoing:
    """One attempt's request, signed for this attempt."""

    url: str
    headers: dict[str, str]
    body: bytes
    timeout_s: float


@dataclass
class Result:
    """What one attempt got back. ``error`` is set only when no HTTP answer came."""

    status_code: int | None = None
    error: str | None = None  # INTERNAL_ERROR | NOT_VALID_URL | CONNECT_ERROR | TIMEOUT_ERROR
    error_detail: str | None = None
    duration_ms: int = 0
    response_headers: dict[str, str] = field(default_factory=dict)
    excerpt: str | None = None
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    def summary(self) -> str:
        if self.status_code is not None:
            return f"HTTP {self.status_code}"
        return f"{self.error}: {self.error_detail}"


def build_outgoing(
    hook: Webhook, delivery: WebhookDelivery, keys: tuple[str, str | None], timestamp: int
) -> Outgoing:
    """Headers and URL of one attempt, in the webhook's format (docs/compat/webhooks.md)."""
    body = delivery.body.encode()
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
    if hook.format == "pandadoc":
        headers["X-PandaDoc-Webhook-Event-Id"] = delivery.id
        url = append_signature_param(hook.url, pandadoc_signature(keys[0], body))
        return Outgoing(url, headers, body, PANDADOC_TIMEOUT_S)
    headers["X-Firma-Event"] = delivery.event_name
    headers["X-Firma-Delivery"] = delivery.id
    headers.update(firma_signature_headers(keys[0], body, timestamp, previous_secret=keys[1]))
    return Outgoing(hook.url, headers, body, FIRMA_TIMEOUT_S)


# --------------------------------------------------------------------------- HTTP

_client_lock = threading.Lock()
_client: httpx.Client | None = None


def shared_client() -> httpx.Client:
    """One client per process: no redirects, no proxies from the environment, and no kept-alive
    connections (a connection pinned to one name's address is never reused for another)."""
    global _client
    with _client_lock:
        if _client is None:
            _client = httpx.Client(
                follow_redirects=False,
                trust_env=False,
                limits=httpx.Limits(max_connections=None, max_keepalive_connections=0),
                headers={"Accept-Encoding": "identity"},
            )
        return _client


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - utcnow()).total_seconds()) if when.tzinfo else None


def send(outgoing: Outgoing, *, allow_private: bool, client: httpx.Client | None = None) -> Result:
    """POST once to the checked, pinned address; never raises."""
    start = time.monotonic()
    result = Result()
    try:
        target = netguard.resolve_target(outgoing.url, allow_private=allow_private)
        http = client or shared_client()
        request = netguard.pinned_request(
            http, target, headers=outgoing.headers, content=outgoing.body,
            timeout=httpx.Timeout(outgoing.timeout_s),
        )  # fmt: skip
        response = http.send(request, stream=True)
        try:
            result.status_code = response.status_code
            result.response_headers = dict(response.headers.items())
            if response.status_code == 429:
                result.retry_after = _retry_after(response.headers.get("retry-after"))
            result.excerpt = _read_excerpt(response, start + outgoing.timeout_s)
        finally:
            response.close()
    except netguard.UrlRefused as exc:
        result.error, result.error_detail = "NOT_VALID_URL", str(exc)
    except (OSError, UnicodeError) as exc:  # the name does not resolve
        result.error, result.error_detail = "CONNECT_ERROR", f"cannot resolve the host: {exc}"
    except httpx.TimeoutException as exc:
        result.error, result.error_detail = "TIMEOUT_ERROR", f"{type(exc).__name__}: {exc}"
    except httpx.TransportError as exc:
        result.error, result.error_detail = "CONNECT_ERROR", f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # noqa: BLE001 - logged as the attempt's outcome
        log.exception("webhook attempt to %s failed unexpectedly", outgoing.url)
        result.error, result.error_detail = "INTERNAL_ERROR", f"{type(exc).__name__}: {exc}"
    result.duration_ms = int((time.monotonic() - start) * 1000)
    return result


def _read_excerpt(response: httpx.Response, deadline: float) -> str | None:
    """The first 64 KB of the answer; a slow or broken body does not change the outcome."""
    buf = bytearray()
    try:
        for chunk in response.iter_raw():
            buf += chunk
            if len(buf) >= EXCERPT_BYTES or time.monotonic() > deadline:
                break
    except httpx.HTTPError:
        pass
    if not buf:
        return None
    # PostgreSQL text cannot hold NUL characters.
    return bytes(buf[:EXCERPT_BYTES]).decode("utf-8", "replace").replace("\x00", "\ufffd")


# --------------------------------------------------------------------------- the job


@dataclass(frozen=True)
class Plan:
    webhook_id: str
    delivery_id: str
    outgoing: Outgoing


def _skip_reason(hook: Webhook, settings: dict[str, Any] | None) -> str | None:
    if hook.deleted_at is not None:
        return "the webhook was deleted"
    if not hook.enabled:
        return "the webhook is disabled"
    if (settings or {}).get("webhook_enabled") is False:
        return "the workspace turned webhooks off"
    if hook.workspace_id is None and (settings or {}).get("ignore_company_webhooks"):
        return "the workspace ignores company webhooks"
    return None


def _prepare(ctx: AppContext, delivery_id: str) -> Plan | None:
    """The signed request for a pending delivery; None (after cancelling it) if it must not go.

    One query reads the delivery, its webhook, the event's workspace settings and the secret.
    """
    with ctx.db.read() as session:
        row = delivery_repository.delivery_to_send(session, delivery_id)
    if row is None or row[0].state != "pending":
        return None
    delivery, hook, settings, secret = row
    reason = _skip_reason(hook, settings)
    if reason:
        with transaction(ctx.db.write) as session:
            delivery_repository.cancel_pending_delivery(session, delivery_id)
        log.info("webhook delivery %s cancelled: %s", delivery_id, reason)
        return None
    keys = service.keys_of(hook, secret)
    if keys is None:  # the scope's secret is made on first need
        with transaction(ctx.db.write) as session:
            service.ensure_secret(session, service.scope_of(hook))
            keys = service.signing_keys(session, hook)
    assert keys is not None
    return Plan(hook.id, delivery_id, build_outgoing(hook, delivery, keys, int(time.time())))


def _log_attempt(session: Session, plan: Plan, attempt: int, result: Result) -> None:
    session.add(
        WebhookAttempt(
            delivery_id=plan.delivery_id, attempt=attempt, at=utcnow(), url=plan.outgoing.url,
            request_headers=plan.outgoing.headers, status_code=result.status_code,
            error=result.error, error_detail=(result.error_detail or None),
            duration_ms=result.duration_ms, response_headers=result.response_headers,
            response_excerpt=result.excerpt,
        )
    )  # fmt: skip
    session.flush()


def _note_on_delivery(
    session: Session, plan: Plan, attempt: int, result: Result, now: datetime
) -> str:
    """Store the attempt's outcome on the delivery; returns the delivery's state after it."""
    return delivery_repository.note_attempt_on_delivery(
        session, plan.delivery_id, attempt,
        status_code=result.status_code, error=result.error, succeeded=result.ok, now=now,
    )  # fmt: skip


def _should_auto_disable(failures: int, first_failure_at: datetime | None, now: datetime) -> bool:
    return (
        failures >= AUTO_DISABLE_FAILURES
        and first_failure_at is not None
        and now - first_failure_at >= AUTO_DISABLE_AFTER
    )


def _disable_reason(result: Result) -> str:
    if result.status_code == 410:
        return "its endpoint answered 410 Gone, which asks for no more deliveries"
    return (
        f"every delivery to it has failed for {AUTO_DISABLE_AFTER.days} days "
        f"(the last: {result.summary()})"
    )


def _record(ctx: AppContext, plan: Plan, attempt: int, result: Result, *, final: bool) -> bool:
    """Log the attempt and update the delivery and webhook; True when it should be retried.

    Statements run delivery first, webhook last, so the webhook row (shared by all its
    deliveries) stays locked only for the end of the transaction.
    """
    now = utcnow()
    with transaction(ctx.db.write) as session:
        _log_attempt(session, plan, attempt, result)
        state = _note_on_delivery(session, plan, attempt, result, now)
        enabled, failures, first_failure_at = delivery_repository.note_attempt_on_webhook(
            session, plan.webhook_id, result.ok, now
        )
        if result.ok:
            return False
        if result.status_code == 410 or _should_auto_disable(failures, first_failure_at, now):
            if enabled:
                service.auto_disable(session, plan.webhook_id, now, _disable_reason(result))
                log.warning("webhook %s auto-disabled after %s", plan.webhook_id, result.summary())
            delivery_repository.set_delivery_state(session, plan.delivery_id, "failed")
            return False
        if state != "pending":  # cancelled while we were sending
            return False
        if final:
            delivery_repository.set_delivery_state(session, plan.delivery_id, "failed")
            return False
        return True


def deliver(ctx: AppContext, job: Claimed) -> None:
    """The ``webhook.deliver`` job: one attempt at one delivery (at least once overall)."""
    plan = _prepare(ctx, job.payload["delivery_id"])
    if plan is None:
        return
    result = send(plan.outgoing, allow_private=ctx.settings.webhook_allow_private)
    WEBHOOK_DELIVERIES.labels("delivered" if result.ok else "failed").inc()
    delay = schedule_delay(job.attempt, ctx.settings.retry_base_seconds)
    final = delay is None or job.attempt >= job.max_attempts
    if _record(ctx, plan, job.attempt, result, final=final):
        if result.retry_after is not None:
            delay = min(result.retry_after, MAX_RETRY_AFTER_S)
        raise RetryLater(f"webhook endpoint: {result.summary()}", delay or 0.0)


# --------------------------------------------------------------------------- test delivery


@dataclass(frozen=True)
class TestOutcome:
    delivery_id: str
    result: Result
    headers_sent: dict[str, str]

    @property
    def message(self) -> str:
        if self.result.ok:
            return "Test webhook delivered successfully"
        if self.result.status_code is not None:
            return f"The endpoint answered HTTP {self.result.status_code}"
        return f"The test webhook could not be delivered ({self.result.summary()})"


def send_test(ctx: AppContext, caller: service.AuthContext, webhook_id: str) -> TestOutcome:
    """Send a ``webhook.test`` event now, whatever the workspace's master switch says.

    The attempt is logged like any other, but does not count towards auto-disabling.
    """
    now = utcnow()
    with transaction(ctx.db.write) as session:
        hook = service.get_webhook(session, caller, webhook_id, "firma")
        event = WebhookEvent(
            company_id=hook.company_id, workspace_id=caller.workspace_id, type="webhook.test",
            data={"firma": {"message": "This is a test event from Signet", "webhook_id": hook.id}},
            created_at=now,
        )  # fmt: skip
        session.add(event)
        session.flush()
        delivery = WebhookDelivery(
            event_id=event.id, webhook_id=hook.id, event_name="webhook.test", state="pending",
            body=firma_envelope(event, "webhook.test").decode(), created_at=now, updated_at=now,
        )  # fmt: skip
        session.add(delivery)
        service.ensure_secret(session, service.scope_of(hook))
        keys = service.signing_keys(session, hook)
        assert keys is not None
        session.flush()
        plan = Plan(hook.id, delivery.id, build_outgoing(hook, delivery, keys, int(time.time())))
    result = send(plan.outgoing, allow_private=ctx.settings.webhook_allow_private)
    with transaction(ctx.db.write) as session:
        _log_attempt(session, plan, 1, result)
        row = delivery_repository.delivery_by_id(session, plan.delivery_id)
        assert row is not None
        row.attempts, row.updated_at = 1, utcnow()
        row.last_status_code, row.last_error = result.status_code, result.error
        row.state = "succeeded" if result.ok else "failed"
        row.delivered_at = row.updated_at if result.ok else None
    return TestOutcome(plan.delivery_id, result, dict(plan.outgoing.headers))
