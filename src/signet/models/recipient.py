"""A recipient of a signing request: a Signer, an Approver or a CC."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from signet.models.base import ID, Base, JSONType, UTCDateTime, new_id, utcnow

if TYPE_CHECKING:
    from signet.models.signing_request import SigningRequest


class Recipient(Base):
    __tablename__ = "recipients"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    signing_request_id: Mapped[str] = mapped_column(
        ForeignKey("signing_requests.id", ondelete="CASCADE"), index=True
    )
    # Array position on input; keeps output order stable.
    position: Mapped[int] = mapped_column(Integer, default=0)
    first_name: Mapped[str] = mapped_column(String(255), default="")
    last_name: Mapped[str] = mapped_column(String(255), default="")
    email: Mapped[str] = mapped_column(String(320), default="")
    phone_number: Mapped[str | None] = mapped_column(String(64), nullable=True)
    designation: Mapped[str] = mapped_column(String(16), default="Signer")  # Signer|Approver|CC
    role: Mapped[str | None] = mapped_column(String(255), nullable=True)
    order: Mapped[int] = mapped_column("signing_order", Integer, default=1)
    street_address: Mapped[str | None] = mapped_column(String(255), nullable=True)
    city: Mapped[str | None] = mapped_column(String(255), nullable=True)
    state_province: Mapped[str | None] = mapped_column(String(255), nullable=True)
    postal_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    country: Mapped[str | None] = mapped_column(String(255), nullable=True)
    title: Mapped[str | None] = mapped_column(String(255), nullable=True)
    company: Mapped[str | None] = mapped_column(String(255), nullable=True)
    custom_fields: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)

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
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)

    @property
    def acts(self) -> bool:
        """Signers and Approvers act on the document; CCs only receive copies."""
        return self.designation != "CC"
