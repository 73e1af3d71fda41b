"""The signing request: one document sent to recipients to fill and sign (a PandaDoc document)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from signet.models.base import ID, Base, JSONType, UTCDateTime, new_id, utcnow

if TYPE_CHECKING:
    from signet.models.field import Field
    from signet.models.recipient import Recipient
    from signet.models.reminder import Reminder


class SigningRequest(Base):
    __tablename__ = "signing_requests"
    __table_args__ = (Index("ix_signing_requests_ws_created", "workspace_id", "created_at"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Core state: uploaded, draft, in_progress, completed, cancelled, expired, declined, error,
    # deleted. Each API face translates it to its own status representation.
    state: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    viewed: Mapped[bool] = mapped_column(Boolean, default=False)
    test: Mapped[bool] = mapped_column(Boolean, default=False)
    template_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    document_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"), nullable=True)
    page_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    expiration_hours: Mapped[int] = mapped_column(Integer, default=168)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    language: Mapped[str] = mapped_column(String(8), default="en")
    settings: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSONType, default=dict)
    tags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_key_id: Mapped[str | None] = mapped_column(ID, nullable=True)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    expired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_signing_action_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cancel_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    decline_reason: Mapped[str | None] = mapped_column(Text, nullable=True)

    # Certificate / final files (filled by the finalisation job).
    certificate_generated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    certificate_has_error: Mapped[bool] = mapped_column(Boolean, default=False)
    final_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    document_only_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    certificate_only_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # The earliest expiry of the certificates of those files' last document timestamps (B-LTA);
    # None when they have none. The archive timestamp renewal looks for it (docs/evidence.md).
    archive_expires_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, nullable=True, index=True
    )

    # Loaded on first access (the detail GET never touches them); list queries ask for them
    # explicitly with selectinload so a page of requests costs a fixed number of queries.
    recipients: Mapped[list[Recipient]] = relationship(
        back_populates="signing_request",
        order_by="Recipient.position",
        cascade="all, delete-orphan",
        lazy="select",
    )
    fields: Mapped[list[Field]] = relationship(
        back_populates="signing_request",
        order_by="Field.position",
        cascade="all, delete-orphan",
        lazy="select",
    )
    reminders: Mapped[list[Reminder]] = relationship(
        back_populates="signing_request",
        order_by="Reminder.created_at",
        cascade="all, delete-orphan",
        lazy="select",
    )
