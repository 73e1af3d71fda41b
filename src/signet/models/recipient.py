"""A recipient of a signing request: a Signer, an Approver or a CC."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from signet.models.base import ID, Base, UTCDateTime, new_id, utcnow
from signet.models.shared_columns import PersonColumns

if TYPE_CHECKING:
    from signet.models.signing_request import SigningRequest


class Recipient(PersonColumns, Base):
    __tablename__ = "recipients"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    signing_request_id: Mapped[str] = mapped_column(
        ForeignKey("signing_requests.id", ondelete="CASCADE"), index=True
    )

    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    viewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decline_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The mark adopted once and reused in every signature / initials field (PNG data URI).
    signature_image: Mapped[str | None] = mapped_column(Text, nullable=True)
    initials_image: Mapped[str | None] = mapped_column(Text, nullable=True)
    # drawn | typed | uploaded
    signature_kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # A typed mark is stamped as text (in the handwriting font), so its characters stay real.
    signature_text: Mapped[str | None] = mapped_column(String(255), nullable=True)
    initials_text: Mapped[str | None] = mapped_column(String(64), nullable=True)
    consent_ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    consent_user_agent: Mapped[str | None] = mapped_column(Text, nullable=True)
    ip_address: Mapped[str | None] = mapped_column(String(64), nullable=True)
    user_agent: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    signing_request: Mapped[SigningRequest] = relationship(back_populates="recipients")

    @property
    def acts(self) -> bool:
        """Signers and Approvers act on the document; CCs only receive copies."""
        return self.designation != "CC"
