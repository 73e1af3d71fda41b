"""SQL of the webhook domain about deliveries: what one delivery needs to be sent, recording an
attempt's outcome on the delivery and its webhook, cancelling pending deliveries, and reading
and purging the delivery log. Webhooks and secrets are ``webhooks.repository``.

Nothing here commits: the endpoint (or job) owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, delete, func, or_, select, update
from sqlalchemy.orm import Session

from signet.kit.ids import parse_uuid
from signet.models import (
    Webhook,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSecret,
    Workspace,
)
from signet.models.base import utcnow
from signet.webhooks.repository import secret_join


def delivery_by_id(session: Session, delivery_id: str) -> WebhookDelivery | None:
    """The delivery row by id; an id that is not a UUID is simply not found."""
    return session.get(WebhookDelivery, parse_uuid(delivery_id) or "")


def delivery_to_send(
    session: Session, delivery_id: str
) -> tuple[WebhookDelivery, Webhook, dict[str, Any] | None, WebhookSecret | None] | None:
    """In one query: the delivery, its webhook, the event's workspace settings and the secret
    of the webhook's scope (None until it is made)."""
    query = (
        select(WebhookDelivery, Webhook, Workspace.settings, WebhookSecret)
        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .join(Workspace, Workspace.id == WebhookEvent.workspace_id)
        .outerjoin(WebhookSecret, secret_join())
        .where(WebhookDelivery.id == delivery_id)
    )
    row = session.execute(query).first()
    if row is None:
        return None
    delivery, hook, settings, secret = row
    return delivery, hook, settings, secret


def note_attempt_on_delivery(
    session: Session,
    delivery_id: str,
    attempt: int,
    *,
    status_code: int | None,
    error: str | None,
    succeeded: bool,
    now: datetime,
) -> str:
    """Store an attempt's outcome on the delivery; returns the delivery's state after it."""
    values: dict[str, Any] = {
        "attempts": case((WebhookDelivery.attempts < attempt, attempt),
                         else_=WebhookDelivery.attempts),
        "last_status_code": status_code, "last_error": error, "updated_at": now,
    }  # fmt: skip
    if succeeded:
        values.update(state="succeeded", delivered_at=now)
    state = session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id)
        .values(**values)
        .returning(WebhookDelivery.state)
    ).scalar_one()
    return str(state)


def note_attempt_on_webhook(
    session: Session, webhook_id: str, succeeded: bool, now: datetime
) -> tuple[bool, int, datetime | None]:
    """Update the webhook's counters; returns (enabled, consecutive_failures, first_failure_at)."""
    if succeeded:
        values: dict[str, Any] = {"consecutive_failures": 0, "first_failure_at": None,
                                  "last_success_at": now}  # fmt: skip
    else:
        values = {
            "consecutive_failures": Webhook.consecutive_failures + 1,
            "first_failure_at": func.coalesce(Webhook.first_failure_at, now),
        }
    enabled, failures, first_failure_at = session.execute(
        update(Webhook)
        .where(Webhook.id == webhook_id)
        .values(**values)
        .returning(Webhook.enabled, Webhook.consecutive_failures, Webhook.first_failure_at)
    ).one()
    return enabled, failures, first_failure_at


def set_delivery_state(session: Session, delivery_id: str, state: str) -> None:
    session.execute(
        update(WebhookDelivery).where(WebhookDelivery.id == delivery_id).values(state=state)
    )


def cancel_pending_deliveries(session: Session, webhook_id: str) -> int:
    """Cancel the webhook's pending deliveries; returns how many.

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


def cancel_pending_delivery(session: Session, delivery_id: str) -> None:
    """Cancel one delivery if it is still pending."""
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.state == "pending")
        .values(state="cancelled", updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


# --------------------------------------------------------------------------- the log


def attempts_by_delivery(
    session: Session, delivery_ids: list[str]
) -> dict[str, list[WebhookAttempt]]:
    """The attempts of each delivery (every id is a key, with an empty list if none)."""
    out: dict[str, list[WebhookAttempt]] = {d: [] for d in delivery_ids}
    if delivery_ids:
        query = select(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(delivery_ids))
        for attempt in session.scalars(query):
            out[attempt.delivery_id].append(attempt)
    return out


def deliveries_page(
    session: Session, webhook_id: str, *, state: str | None, page: int, page_size: int
) -> tuple[list[WebhookDelivery], int]:
    """One page of a webhook's deliveries, newest first, and the total count."""
    where = [WebhookDelivery.webhook_id == webhook_id]
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


def delete_log_before(session: Session, cutoff: datetime) -> int:
    """Delete attempts, and finished deliveries, made before ``cutoff``; events are left
    alone. Returns the number of deliveries deleted."""
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


@dataclass
class EventFilter:
    """The filters of PandaDoc ``GET /webhook-events``."""

    since: Any = None
    to: Any = None
    types: tuple[str, ...] = ()
    status_classes: tuple[int, ...] = ()
    errors: tuple[str, ...] = ()


def pandadoc_deliveries(
    session: Session,
    workspace_id: str,
    flt: EventFilter,
    *,
    page: int,
    count: int,
    delivery_id: str | None = None,
) -> list[tuple[Webhook, WebhookDelivery, Any]]:
    """One page of deliveries to the workspace's PandaDoc subscriptions, newest event first,
    each with its subscription and its event's time."""
    query = (
        select(Webhook, WebhookDelivery, WebhookEvent.created_at)
        .join(WebhookDelivery, WebhookDelivery.webhook_id == Webhook.id)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .where(Webhook.workspace_id == workspace_id, Webhook.format == "pandadoc")
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
    return [(hook, delivery, event_time) for hook, delivery, event_time in rows]
