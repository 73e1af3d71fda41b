"""Webhook rules shared by both faces: who sees which webhook, signing secrets and their
rotation, creating, enabling and disabling webhooks, and reading the delivery log. (Request
bodies are checked in ``webhooks.schemas``; sending is ``webhooks.delivery``.)

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

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import and_, case, delete, func, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from signet.errors import Conflict, NotFound, ValidationFailed
from signet.jobs.queue import enqueue
from signet.kit.ids import parse_uuid
from signet.models import Webhook, WebhookAttempt, WebhookDelivery, WebhookEvent, WebhookSecret
from signet.models.base import new_id, utcnow
from signet.webhooks.disabled_notice import queue_notices
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


@dataclass(frozen=True)
class Scope:
    """Whose secret signs a Firma webhook: ``company`` or ``workspace``, and its id."""

    kind: str
    owner_id: str

    @property
    def workspace_id(self) -> str | None:
        return self.owner_id if self.kind == "workspace" else None


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


def _in_scope(scope: Scope) -> ColumnElement[bool]:
    if scope.kind == "company":
        return and_(Webhook.workspace_id.is_(None), Webhook.company_id == scope.owner_id)
    return Webhook.workspace_id == scope.owner_id


def _visible(auth: AuthContext) -> ColumnElement[bool]:
    own = Webhook.workspace_id == auth.workspace_id
    if auth.workspace_protected:
        return or_(own, _in_scope(Scope("company", auth.company_id)))
    return own


def get_webhook(
    session: Session, auth: AuthContext, webhook_id: str, fmt: str | None, *, lock: bool = False
) -> Webhook:
    """A live webhook the caller may see (of format ``fmt`` when given), else 404."""
    wid = parse_uuid(webhook_id)
    query = select(Webhook).where(
        Webhook.id == (wid or ""), Webhook.deleted_at.is_(None), _visible(auth)
    )
    if fmt is not None:
        query = query.where(Webhook.format == fmt)
    if lock:
        query = query.with_for_update()
    hook = session.scalars(query).first()
    if hook is None:
        raise NotFound("Webhook not found")
    return hook


# --------------------------------------------------------------------------- secrets


def find_secret(session: Session, scope: Scope) -> WebhookSecret | None:
    return session.scalars(
        select(WebhookSecret).where(
            WebhookSecret.scope == scope.kind, WebhookSecret.owner_id == scope.owner_id
        )
    ).first()


def ensure_secret(session: Session, scope: Scope) -> WebhookSecret:
    """The scope's secret, created on first need (safe when two requests race to create it)."""
    found = find_secret(session, scope)
    if found is not None:
        return found
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    values = {
        "id": new_id(),
        "scope": scope.kind,
        "owner_id": scope.owner_id,
        "secret": new_firma_secret(),
        "created_at": utcnow(),
    }
    session.execute(
        insert(WebhookSecret)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["scope", "owner_id"])
    )
    found = find_secret(session, scope)
    assert found is not None
    return found


def rotate_secret(session: Session, scope: Scope) -> str:
    """A new secret; the current one keeps signing ``X-Firma-Signature-Old`` for 168 h."""
    row = ensure_secret(session, scope)
    session.refresh(row, with_for_update=True)
    now = utcnow()
    row.previous_secret = row.secret
    row.previous_expires_at = now + timedelta(hours=GRACE_HOURS)
    row.secret = new_firma_secret()
    row.rotated_at = now
    session.flush()
    return row.secret


def secret_status(session: Session, scope: Scope) -> dict[str, Any]:
    """When the secret was made and rotated, and whether the old one is still in its grace."""
    row = find_secret(session, scope)
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
    return keys_of(hook, find_secret(session, scope_of(hook)))


def keys_of(hook: Webhook, row: WebhookSecret | None) -> tuple[str, str | None] | None:
    """The keys of ``hook`` given its scope's secret row (unused for PandaDoc)."""
    if hook.format == "pandadoc":
        return (hook.shared_key or "", None)
    if row is None:
        return None
    in_grace = row.previous_expires_at is not None and row.previous_expires_at > utcnow()
    return row.secret, (row.previous_secret if in_grace else None)


def secret_join() -> ColumnElement[bool]:
    """Join condition from ``Webhook`` to the ``WebhookSecret`` of its scope."""
    kind = case((Webhook.workspace_id.is_(None), literal("company")), else_=literal("workspace"))
    owner = func.coalesce(Webhook.workspace_id, Webhook.company_id)
    return and_(WebhookSecret.scope == kind, WebhookSecret.owner_id == owner)


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
        count = session.scalar(
            select(func.count()).select_from(Webhook).where(
                Webhook.workspace_id == auth.workspace_id, Webhook.format == "pandadoc",
                Webhook.deleted_at.is_(None),
            )
        )  # fmt: skip
        if (count or 0) >= MAX_SUBSCRIPTIONS_PER_WORKSPACE:
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
    session.execute(
        update(Webhook)
        .where(Webhook.id == webhook_id)
        .values(enabled=False, auto_disabled_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    cancel_pending(session, webhook_id)
    queue_notices(session, webhook_id, reason)


def delete_webhook(session: Session, hook: Webhook) -> None:
    hook.deleted_at = hook.updated_at = utcnow()
    cancel_pending(session, hook.id)
    session.flush()


def cancel_pending(session: Session, webhook_id: str) -> int:
    """Cancel the webhook's pending deliveries; their jobs then finish without sending.

    Deliveries whose attempt is being recorded right now are skipped rather than waited for
    (on PostgreSQL): waiting could deadlock with that recording, which locks the delivery
    before the webhook. Their job finds the webhook off on its next run and cancels them.
    """
    pending = (
        select(WebhookDelivery.id)
        .where(WebhookDelivery.webhook_id == webhook_id, WebhookDelivery.state == "pending")
        .with_for_update(skip_locked=True)
    )
    result = session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id.in_(pending.scalar_subquery()))
        .values(state="cancelled", updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def cancel_delivery(session: Session, delivery_id: str) -> None:
    """Cancel one delivery if it is still pending."""
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.state == "pending")
        .values(state="cancelled", updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def rotate_shared_key(session: Session, hook: Webhook) -> str:
    """A new PandaDoc shared key, effective at once (no grace period, as upstream)."""
    hook.shared_key = new_pandadoc_shared_key()
    hook.updated_at = utcnow()
    session.flush()
    return hook.shared_key


def list_firma_webhooks(
    session: Session, scope: Scope, *, enabled: bool | None, url: str | None, event: str | None
) -> list[Webhook]:
    """A scope's live Firma webhooks with the list filters applied, newest first."""
    query = select(Webhook).where(
        Webhook.format == "firma", Webhook.deleted_at.is_(None), _in_scope(scope)
    )
    if enabled is not None:
        query = query.where(Webhook.enabled.is_(enabled))
    if url:
        query = query.where(func.lower(Webhook.url).contains(url.lower(), autoescape=True))
    rows = list(session.scalars(query.order_by(Webhook.created_at.desc(), Webhook.id)))
    # events is a JSON list: filter here (a scope holds few webhooks).
    return [h for h in rows if not event or event in (h.events or [])]


def list_subscriptions(session: Session, auth: AuthContext) -> list[Webhook]:
    return list(
        session.scalars(
            select(Webhook)
            .where(
                Webhook.workspace_id == auth.workspace_id,
                Webhook.format == "pandadoc",
                Webhook.deleted_at.is_(None),
            )
            .order_by(Webhook.created_at, Webhook.id)
        )
    )


# --------------------------------------------------------------------------- delivery log


def attempts_of(session: Session, delivery_ids: list[str]) -> dict[str, list[WebhookAttempt]]:
    out: dict[str, list[WebhookAttempt]] = {d: [] for d in delivery_ids}
    if delivery_ids:
        query = select(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(delivery_ids))
        for attempt in session.scalars(query):
            out[attempt.delivery_id].append(attempt)
    return out


def list_deliveries(
    session: Session, hook: Webhook, *, state: str | None, page: int, page_size: int
) -> tuple[list[WebhookDelivery], int]:
    where = [WebhookDelivery.webhook_id == hook.id]
    if state:
        where.append(WebhookDelivery.state == state)
    total = session.scalar(select(func.count()).select_from(WebhookDelivery).where(*where)) or 0
    rows = session.scalars(
        select(WebhookDelivery)
        .where(*where)
        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id)
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return list(rows), int(total)


LOG_RETENTION = timedelta(days=30)


def purge_delivery_log(session: Session, now: datetime, keep: timedelta = LOG_RETENTION) -> int:
    """Delete attempts, and finished deliveries, older than ``keep`` (the log is kept 30
    days: docs/compat/webhooks.md#delivery-log). Events are left alone. Returns the number of
    deliveries deleted."""
    cutoff = now - keep
    old = select(WebhookDelivery.id).where(
        WebhookDelivery.created_at < cutoff, WebhookDelivery.state != "pending"
    )
    session.execute(
        delete(WebhookAttempt).where(
            or_(WebhookAttempt.at < cutoff, WebhookAttempt.delivery_id.in_(old))
        )
    )
    result = session.execute(delete(WebhookDelivery).where(WebhookDelivery.id.in_(old)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def redeliver(session: Session, hook: Webhook, delivery_id: str) -> WebhookDelivery:
    """Queue the same body again as a new delivery: the event id in it is unchanged."""
    original = session.get(WebhookDelivery, parse_uuid(delivery_id) or "")
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


@dataclass
class EventFilter:
    """The filters of PandaDoc ``GET /webhook-events``."""

    since: Any = None
    to: Any = None
    types: tuple[str, ...] = ()
    status_classes: tuple[int, ...] = ()
    errors: tuple[str, ...] = ()


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
    query = (
        select(Webhook, WebhookDelivery, WebhookEvent.created_at)
        .join(WebhookDelivery, WebhookDelivery.webhook_id == Webhook.id)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .where(Webhook.workspace_id == auth.workspace_id, Webhook.format == "pandadoc")
    )  # fmt: skip
    if delivery_id is not None:
        query = query.where(WebhookDelivery.id == delivery_id)
    if flt.since is not None:
        query = query.where(WebhookEvent.created_at >= flt.since)
    if flt.to is not None:
        query = query.where(WebhookEvent.created_at <= flt.to)
    if flt.types:
        query = query.where(WebhookDelivery.event_name.in_(flt.types))
    if flt.status_classes:
        query = query.where(or_(*(
            and_(WebhookDelivery.last_status_code >= c, WebhookDelivery.last_status_code < c + 100)
            for c in flt.status_classes
        )))  # fmt: skip
    if flt.errors:
        query = query.where(WebhookDelivery.last_error.in_(flt.errors))
    rows = session.execute(
        query.order_by(WebhookEvent.created_at.desc(), WebhookDelivery.id)
        .offset((page - 1) * count)
        .limit(count)
    ).all()
    attempts = attempts_of(session, [r[1].id for r in rows])
    out = []
    for hook, delivery, event_time in rows:
        tries = attempts[delivery.id]
        last = max(tries, key=lambda a: (a.attempt, a.at)) if tries else None
        out.append((hook, delivery, event_time, last))
    return out
