"""An embedded signing session (PandaDoc ``…/session``): an expiring link for one recipient."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from signet.models.base import ID, Base, UTCDateTime, new_id, utcnow


class SigningSession(Base):
    __tablename__ = "signing_sessions"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    # SHA-256 of the 22-char session id handed out; the id itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    signing_request_id: Mapped[str] = mapped_column(
        ForeignKey("signing_requests.id", ondelete="CASCADE"), index=True
    )
    recipient_id: Mapped[str] = mapped_column(ForeignKey("recipients.id", ondelete="CASCADE"))
    created_by_key_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    created_by_key_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
