"""Webhook rules shared by both faces: who sees which webhook, signing secrets and their
rotation, creating, enabling and disabling webhooks, and redelivering. (Request bodies are
checked in ``webhooks.schemas``; sending is ``webhooks.delivery``; the queries are in
``webhooks.repository`` and ``webhooks.delivery_repository``.)

Services flush and never commit: the endpoint (or job) owns the transaction.

Scope (docs/compat/webhooks.md#scope-and-secrets): a webhook with ``workspace_id`` set
belongs to that workspace; one with ``workspace_id = NULL`` is company-level and receives every
workspace's events. A key sees its own workspace's webhooks; the protected key (the company's
key) also sees the company-level ones. Where a Firma body or query omits ``workspace_id`` it
means the key's own scope: the company for the protected key (upstream: "omitted means
company-level"), the key's workspace for any other key (a workspace key cannot act for the
company).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.orm import Session

from signet.errors import Conflict, NotFound, ValidationFailed
from signet.jobs.queue import enqueue
from signet.kit.ids import parse_uuid
from signet.models import Webhook, WebhookAttempt, WebhookDelivery, WebhookSecret
from signet.models.base import utcnow
from signet.webhooks import delivery_repository, repository
from signet.webhooks.delivery_repository import EventFilter as EventFilter
from signet.webhooks.disabled_notice import queue_notices
from signet.webhooks.repository import Scope as Scope
from signet.webhooks.signatures import new_firma_secret, new_pandadoc_shared_key

GRACE_HOURS = 168
MAX_SUBSCRIPTIONS_PER_WORKSPACE = 300


class AuthContext(Protocol):
    """The caller: the workspace (and company) an API key belongs to, as the faces know it."""

    @property
    def workspace_id(self) -> str: ...
    @property
    def company_id(self) -> str: ...
    @property
    def workspace_protected(self) -> bool: ...


# --------------------------------------------------------------------------- scope


def default_scope(auth: AuthContext) -> Scope:
    """The scope meant when ``workspace_id`` is omitted (see the module docstring)."""
    if auth.workspace_protected:
        return Scope("company", auth.company_id)
    return Scope("workspace", auth.workspace_id)


def workspace_scope(auth: AuthContext, workspace_id: str) -> Scope:
    """The caller's own workspace; any other id answers 404 like a missing one."""
    if parse_uuid(workspace_id) != auth.workspace_id:
        raise NotFound("Workspace not found")
    return Scope("workspace", auth.workspace_id)


def scope_of(hook: Webhook) -> Scope:
    if hook.workspace_id is None:
        return Scope("company", hook.company_id)
    return Scope("workspace", hook.workspace_id)


def get_webhook(
    session: Session, auth: AuthContext, webhook_id: str, fmt: str | None, *, lock: bool = False
) -> Webhook:
    """A live webhook the caller may see (of format ``fmt`` when given), else 404: its own
    workspace's, and the company-level ones when the caller holds the protected key."""
    hook = repository.visible_webhook(
        session,
        webhook_id,
        workspace_id=auth.workspace_id,
        company_id=auth.company_id,
        with_company=auth.workspace_protected,
        fmt=fmt,
        lock=lock,
    )
    if hook is None:
        raise NotFound("Webhook not found")
    return hook


# --------------------------------------------------------------------------- secrets


def ensure_secret(session: Session, scope: Scope) -> WebhookSecret:
    """The scope's secret, created on first need (safe when two requests race to create it)."""
    found = repository.scope_secret(session, scope)
    if found is not None:
        return found
    repository.insert_secret_unless_present(session, scope, new_firma_secret())
    found = repository.scope_secret(session, scope)
    assert found is not None
    return found


def rotate_secret(session: Session, scope: Scope) -> str:
    """A new secret; the current one keeps signing ``X-Firma-Signature-Old`` for 168 h."""
    row = ensure_secret(session, scope)
    repository.lock_secret(session, row)
    now = utcnow()
    row.previous_secret = row.secret
    row.previous_expires_at = now + timedelta(hours=GRACE_HOURS)
    row.secret = new_firma_secret()
    row.rotated_at = now
    session.flush()
    return row.secret


def secret_status(session: Session, scope: Scope) -> dict[str, Any]:
    """When the secret was made and rotated, and whether the old one is still in its grace."""
    row = repository.scope_secret(session, scope)
    if row is None:
        return {"created_at": None, "rotated_at": None, "grace_ends_at": None}
    grace = row.previous_secret and row.previous_expires_at and row.previous_expires_at > utcnow()
    return {
        "created_at": row.created_at,
        "rotated_at": row.rotated_at,
        "grace_ends_at": row.previous_expires_at if grace else None,
    }


def signing_keys(session: Session, hook: Webhook) -> tuple[str, str | None] | None:
    """(current, previous-in-grace) key of a webhook; None when its secret is not made yet."""
    if hook.format == "pandadoc":
        return keys_of(hook, None)
    return keys_of(hook, repository.scope_secret(session, scope_of(hook)))


def keys_of(hook: Webhook, row: WebhookSecret | None) -> tuple[str, str | None] | None:
    """The keys of ``hook`` given its scope's secret row (unused for PandaDoc)."""
    if hook.format == "pandadoc":
        return (hook.shared_key or "", None)
    if row is None:
        return None
    in_grace = row.previous_expires_at is not None and row.previous_expires_at > utcnow()
    return row.secret, (row.previous_secret if in_grace else None)


# --------------------------------------------------------------------------- lifecycle


def create_webhook(
    session: Session, auth: AuthContext, fmt: str, fields: dict[str, Any]
) -> Webhook:
    """A new webhook from checked fields (``parse_firma_body`` / ``parse_subscription_body``)."""
    now = utcnow()
    if fmt == "firma":
        wid = fields.get("workspace_id")
        scope = default_scope(auth) if wid is None else workspace_scope(auth, wid)
        ensure_secret(session, scope)
        hook = Webhook(
            company_id=auth.company_id, workspace_id=scope.workspace_id, format="firma",
            url=fields["url"], events=fields["events"], description=fields.get("description"),
            enabled=fields.get("enabled", True), payload_options=[],
        )  # fmt: skip
    else:
        count = repository.count_live_subscriptions(session, auth.workspace_id)
        if count >= MAX_SUBSCRIPTIONS_PER_WORKSPACE:
            raise ValidationFailed(
                [("", f"A workspace can have at most {MAX_SUBSCRIPTIONS_PER_WORKSPACE} "
                      "webhook subscriptions.")]
            )  # fmt: skip
        hook = Webhook(
            company_id=auth.company_id, workspace_id=auth.workspace_id, format="pandadoc",
            name=fields.get("name"), url=fields["url"], events=fields["triggers"],
            payload_options=fields.get("payload", []), enabled=fields.get("active", True),
            shared_key=new_pandadoc_shared_key(),
        )  # fmt: skip
    hook.created_at = hook.updated_at = now
    hook.consecutive_failures = 0
    session.add(hook)
    session.flush()
    return hook


def update_webhook(session: Session, hook: Webhook, fields: dict[str, Any]) -> None:
    """Apply checked fields of either face; turning it on resets the failure counters."""
    renames = {"triggers": "events", "payload": "payload_options"}
    for key, value in fields.items():
        if key in ("enabled", "active", "workspace_id"):
            continue
        setattr(hook, renames.get(key, key), value)
    enabled = fields.get("enabled", fields.get("active"))
    if enabled is not None:
        set_enabled(session, hook, enabled)
    hook.updated_at = utcnow()
    session.flush()


def set_enabled(session: Session, hook: Webhook, enabled: bool) -> None:
    """On: reset the counters (missed events are not replayed). Off: cancel what is pending."""
    if enabled:
        hook.enabled = True
        hook.consecutive_failures = 0
        hook.first_failure_at = None
        hook.auto_disabled_at = None
    else:
        hook.enabled = False
        cancel_pending(session, hook.id)


def auto_disable(session: Session, webhook_id: str, now: datetime, reason: str) -> None:
    """Turn a failing webhook off (Firma ``auto_disabled_at``, PandaDoc ``DEACTIVATED``),
    cancel its pending deliveries and queue the team's email saying why (``reason`` completes
    "turned off because ...")."""
    repository.switch_off(session, webhook_id, now)
    cancel_pending(session, webhook_id)
    queue_notices(session, webhook_id, reason)


def delete_webhook(session: Session, hook: Webhook) -> None:
    hook.deleted_at = hook.updated_at = utcnow()
    cancel_pending(session, hook.id)
    session.flush()


def cancel_pending(session: Session, webhook_id: str) -> int:
    """Cancel the webhook's pending deliveries; their jobs then finish without sending (one
    being recorded right now is left to its job, see ``cancel_pending_deliveries``)."""
    return delivery_repository.cancel_pending_deliveries(session, webhook_id)


def rotate_shared_key(session: Session, hook: Webhook) -> str:
    """A new PandaDoc shared key, effective at once (no grace period, as upstream)."""
    hook.shared_key = new_pandadoc_shared_key()
    hook.updated_at = utcnow()
    session.flush()
    return hook.shared_key


# --------------------------------------------------------------------------- delivery log


LOG_RETENTION = timedelta(days=30)


def purge_delivery_log(session: Session, now: datetime, keep: timedelta = LOG_RETENTION) -> int:
    """Delete attempts, and finished deliveries, older than ``keep`` (the log is kept 30
    days: docs/compat/webhooks.md#delivery-log). Events are left alone. Returns the number of
    deliveries deleted."""
    return delivery_repository.delete_log_before(session, now - keep)


def redeliver(session: Session, hook: Webhook, delivery_id: str) -> WebhookDelivery:
    """Queue the same body again as a new delivery: the event id in it is unchanged."""
    original = delivery_repository.delivery_by_id(session, delivery_id)
    if original is None or original.webhook_id != hook.id:
        raise NotFound("Delivery not found")
    if not hook.enabled:
        raise Conflict("The webhook is disabled; enable it before redelivering")
    now = utcnow()
    copy = WebhookDelivery(
        event_id=original.event_id, webhook_id=hook.id, event_name=original.event_name,
        body=original.body, state="pending", attempts=0, created_at=now, updated_at=now,
    )  # fmt: skip
    session.add(copy)
    session.flush()
    enqueue(session, "webhook.deliver", {"delivery_id": copy.id},
            dedupe_key=f"delivery:{copy.id}", max_attempts=10)  # fmt: skip
    return copy


def list_pandadoc_events(
    session: Session,
    auth: AuthContext,
    flt: EventFilter,
    *,
    page: int,
    count: int,
    delivery_id: str | None = None,
) -> list[tuple[Webhook, WebhookDelivery, Any, WebhookAttempt | None]]:
    """Deliveries to the workspace's PandaDoc subscriptions, newest first, with each one's
    subscription, event time and last attempt."""
    rows = delivery_repository.pandadoc_deliveries(
        session, auth.workspace_id, flt, page=page, count=count, delivery_id=delivery_id
    )
    attempts = delivery_repository.attempts_by_delivery(session, [r[1].id for r in rows])
    out = []
    for hook, delivery, event_time in rows:
        tries = attempts[delivery.id]
        last = max(tries, key=lambda a: (a.attempt, a.at)) if tries else None
        out.append((hook, delivery, event_time, last))
    return out
