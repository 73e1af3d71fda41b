"""How a recipient proves who they are before opening or signing (docs/identity.md): one row per
recipient and method (email code, access code, SMS code), with the current challenge."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from signet.models.base import ID, Base, UTCDateTime, new_id, utcnow


class RecipientVerification(Base):
    __tablename__ = "recipient_verifications"
    __table_args__ = (
        Index("ix_recipient_verifications_recipient", "recipient_id", "method", unique=True),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    recipient_id: Mapped[str] = mapped_column(ForeignKey("recipients.id", ondelete="CASCADE"))
    signing_request_id: Mapped[str] = mapped_column(
        ForeignKey("signing_requests.id", ondelete="CASCADE"), index=True
    )
    method: Mapped[str] = mapped_column(String(16))  # email_otp | passcode | sms
    place: Mapped[str] = mapped_column(String(16), default="before_open")  # or before_sign
    # The access code set by the sender (passcode), or the code last sent (email, SMS): both as
    # an HMAC under a key derived from the installation secret, never in clear.
    secret_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    code_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    code_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    code_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Where the SMS goes (E.164); the email code goes to the recipient's email.
    phone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
