"""Webhooks: subscriptions (Firma or PandaDoc format), secrets, the event outbox, deliveries and
the log of every attempt."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from signet.models.base import ID, Base, JSONType, UTCDateTime, new_id, utcnow


class Webhook(Base):
    __tablename__ = "webhooks"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id"), index=True)
    # None: a company-level webhook (every workspace of the company).
    workspace_id: Mapped[str | None] = mapped_column(
        ForeignKey("workspaces.id"), nullable=True, index=True
    )
    format: Mapped[str] = mapped_column(String(16))  # firma | pandadoc
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    url: Mapped[str] = mapped_column(Text)
    # Firma event names, or PandaDoc triggers.
    events: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # PandaDoc payload options: metadata, fields, tokens.
    payload_options: Mapped[list[str]] = mapped_column(JSONType, default=list)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # PandaDoc: the per-subscription shared key (Firma uses the scope's secret).
    shared_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    first_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    auto_disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookSecret(Base):
    """Firma signing secret of a company or a workspace, with the previous one during rotation."""

    __tablename__ = "webhook_secrets"
    __table_args__ = (Index("ix_webhook_secrets_scope", "scope", "owner_id", unique=True),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    scope: Mapped[str] = mapped_column(String(16))  # company | workspace
    owner_id: Mapped[str] = mapped_column(ID)
    secret: Mapped[str] = mapped_column(String(128))
    previous_secret: Mapped[str | None] = mapped_column(String(128), nullable=True)
    previous_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookEvent(Base):
    """One domain event, written in the same transaction as the change that caused it."""

    __tablename__ = "webhook_events"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    company_id: Mapped[str] = mapped_column(ID, index=True)
    workspace_id: Mapped[str] = mapped_column(ID, index=True)
    type: Mapped[str] = mapped_column(String(64))
    signing_request_id: Mapped[str | None] = mapped_column(ID, nullable=True, index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookDelivery(Base):
    """One event to one webhook; its id is the delivery id receivers deduplicate on."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_webhook", "webhook_id", "created_at"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    event_id: Mapped[str] = mapped_column(ForeignKey("webhook_events.id"), index=True)
    webhook_id: Mapped[str] = mapped_column(ForeignKey("webhooks.id"))
    # The name the subscriber asked for (an alias is delivered under the alias).
    event_name: Mapped[str] = mapped_column(String(64))
    # The exact body sent on every attempt (signatures are computed per attempt).
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(
        String(16), default="pending"
    )  # pending|succeeded|failed|cancelled
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(32), nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookAttempt(Base):
    """The log of one delivery attempt: what was sent, what came back, how long it took."""

    __tablename__ = "webhook_attempts"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    delivery_id: Mapped[str] = mapped_column(ForeignKey("webhook_deliveries.id"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    url: Mapped[str] = mapped_column(Text)
    request_headers: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # INTERNAL_ERROR | NOT_VALID_URL | CONNECT_ERROR | TIMEOUT_ERROR | None
    error: Mapped[str | None] = mapped_column(String(32), nullable=True)
    error_detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    response_headers: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    response_excerpt: Mapped[str | None] = mapped_column(Text, nullable=True)
