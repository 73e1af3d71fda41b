"""The audit log: one row per state change, hash-chained per signing request."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from signet.models.base import ID, Base, JSONType, UTCDateTime, new_id, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_request_seq", "signing_request_id", "seq", unique=True),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), index=True)
    signing_request_id: Mapped[str] = mapped_column(ForeignKey("signing_requests.id"))
    # Position in this request's chain, 1-based; unique per request.
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    source: Mapped[str] = mapped_column(String(16))  # admin | signer | system
    event: Mapped[str] = mapped_column(String(64))
    actor_type: Mapped[str] = mapped_column(String(16))  # api_key | recipient | system
    actor_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    actor_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    actor_email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    recipient_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    ip_address: Mapped[str | None] = mapped_column(String(64), nullable=True)
    user_agent: Mapped[str | None] = mapped_column(Text, nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # How ``hash`` was computed (audit/service.py): 0 = orjson with sorted keys, as every event
    # before migration 0007 was; 1 = RFC 8785. The writer always sets it.
    hash_format: Mapped[int] = mapped_column(SmallInteger, server_default="0")
