"""A reminder: an email to pending recipients a number of hours before the request expires."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from signet.models.base import ID, Base, UTCDateTime, new_id, utcnow

if TYPE_CHECKING:
    from signet.models.signing_request import SigningRequest


class Reminder(Base):
    __tablename__ = "reminders"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    signing_request_id: Mapped[str] = mapped_column(
        ForeignKey("signing_requests.id", ondelete="CASCADE"), index=True
    )
    hours: Mapped[int] = mapped_column(Integer)
    all_users: Mapped[bool] = mapped_column(Boolean, default=False)
    recipient_id: Mapped[str | None] = mapped_column(
        ForeignKey("recipients.id", ondelete="CASCADE"), nullable=True
    )
    template_user_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    subject: Mapped[str | None] = mapped_column(String(255), nullable=True)
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    signing_request: Mapped[SigningRequest] = relationship(back_populates="reminders")
