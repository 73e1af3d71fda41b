"""SQL of the webhook domain about webhooks and their signing secrets: finding the webhook a
caller may see, listing a scope's webhooks, the webhooks an event goes to, the team a webhook
belongs to, and the secret rows. Deliveries and their log are ``webhooks.delivery_repository``.

Nothing here commits: the endpoint (or job) owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from signet.kit.ids import parse_uuid
from signet.models import Webhook, WebhookSecret, Workspace
from signet.models.base import new_id, utcnow


@dataclass(frozen=True)
class Scope:
    """Whose secret signs a Firma webhook: ``company`` or ``workspace``, and its id."""

    kind: str
    owner_id: str

    @property
    def workspace_id(self) -> str | None:
        return self.owner_id if self.kind == "workspace" else None


def _in_scope(scope: Scope) -> ColumnElement[bool]:
    if scope.kind == "company":
        return and_(Webhook.workspace_id.is_(None), Webhook.company_id == scope.owner_id)
    return Webhook.workspace_id == scope.owner_id


def _visible(workspace_id: str, company_id: str, with_company: bool) -> ColumnElement[bool]:
    own = Webhook.workspace_id == workspace_id
    if with_company:
        return or_(own, _in_scope(Scope("company", company_id)))
    return own


# --------------------------------------------------------------------------- webhooks


def visible_webhook(
    session: Session,
    webhook_id: str,
    *,
    workspace_id: str,
    company_id: str,
    with_company: bool,
    fmt: str | None,
    lock: bool = False,
) -> Webhook | None:
    """A live webhook of the workspace, or (``with_company``) a company-level one of the
    company; of format ``fmt`` when given; row-locked when ``lock``."""
    wid = parse_uuid(webhook_id)
    query = select(Webhook).where(
        Webhook.id == (wid or ""),
        Webhook.deleted_at.is_(None),
        _visible(workspace_id, company_id, with_company),
    )
    if fmt is not None:
        query = query.where(Webhook.format == fmt)
    if lock:
        query = query.with_for_update()
    return session.scalars(query).first()


def webhook_by_id(session: Session, webhook_id: str) -> Webhook | None:
    """The webhook row by id, deleted or not."""
    return session.get(Webhook, webhook_id)


def count_live_subscriptions(session: Session, workspace_id: str) -> int:
    """The workspace's PandaDoc subscriptions that are not deleted."""
    count = session.scalar(
        select(func.count()).select_from(Webhook).where(
            Webhook.workspace_id == workspace_id, Webhook.format == "pandadoc",
            Webhook.deleted_at.is_(None),
        )
    )  # fmt: skip
    return count or 0


def firma_webhooks(
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


def subscriptions(session: Session, workspace_id: str) -> list[Webhook]:
    """The workspace's live PandaDoc subscriptions, oldest first."""
    return list(
        session.scalars(
            select(Webhook)
            .where(
                Webhook.workspace_id == workspace_id,
                Webhook.format == "pandadoc",
                Webhook.deleted_at.is_(None),
            )
            .order_by(Webhook.created_at, Webhook.id)
        )
    )


def enabled_webhooks_for(
    session: Session, workspace_id: str, *, company_id: str | None
) -> list[Webhook]:
    """Enabled, live webhooks that receive the workspace's events: its own, and the company's
    company-level ones when ``company_id`` is given."""
    scope = [Webhook.workspace_id == workspace_id]
    if company_id is not None:
        scope.append((Webhook.workspace_id.is_(None)) & (Webhook.company_id == company_id))
    return list(
        session.scalars(
            select(Webhook).where(
                or_(*scope), Webhook.enabled.is_(True), Webhook.deleted_at.is_(None)
            )
        ).all()
    )


def workspaces_seeing(session: Session, hook: Webhook) -> list[Workspace]:
    """The workspaces whose keys see ``hook``, oldest first: its own workspace, or for a
    company-level hook the company's protected workspace."""
    query = select(Workspace).where(Workspace.company_id == hook.company_id)
    if hook.workspace_id is not None:
        query = query.where(Workspace.id == hook.workspace_id)
    else:
        query = query.where(Workspace.protected.is_(True))
    return list(session.scalars(query.order_by(Workspace.created_at)))


def switch_off(session: Session, webhook_id: str, now: datetime) -> None:
    """Mark the webhook disabled by Signet at ``now``."""
    session.execute(
        update(Webhook)
        .where(Webhook.id == webhook_id)
        .values(enabled=False, auto_disabled_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )


# --------------------------------------------------------------------------- secrets


def scope_secret(session: Session, scope: Scope) -> WebhookSecret | None:
    """The secret row of a scope, if it was made."""
    return session.scalars(
        select(WebhookSecret).where(
            WebhookSecret.scope == scope.kind, WebhookSecret.owner_id == scope.owner_id
        )
    ).first()


def insert_secret_unless_present(session: Session, scope: Scope, secret: str) -> None:
    """Store ``secret`` for the scope unless it has one (two racing inserts leave one row)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    values = {
        "id": new_id(),
        "scope": scope.kind,
        "owner_id": scope.owner_id,
        "secret": secret,
        "created_at": utcnow(),
    }
    session.execute(
        insert(WebhookSecret)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["scope", "owner_id"])
    )


def lock_secret(session: Session, row: WebhookSecret) -> None:
    """Read the secret row again, locked until the transaction ends."""
    session.refresh(row, with_for_update=True)


def secret_join() -> ColumnElement[bool]:
    """Join condition from ``Webhook`` to the ``WebhookSecret`` of its scope."""
    kind = case((Webhook.workspace_id.is_(None), literal("company")), else_=literal("workspace"))
    owner = func.coalesce(Webhook.workspace_id, Webhook.company_id)
    return and_(WebhookSecret.scope == kind, WebhookSecret.owner_id == owner)
