"""A field placed on a page of the document, in percent of the page, top-left origin."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from signet.models.base import ID, Base, new_id
from signet.models.shared_columns import FieldColumns

if TYPE_CHECKING:
    from signet.models.signing_request import SigningRequest


class Field(FieldColumns, Base):
    __tablename__ = "fields"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    signing_request_id: Mapped[str] = mapped_column(
        ForeignKey("signing_requests.id", ondelete="CASCADE"), index=True
    )
    recipient_id: Mapped[str | None] = mapped_column(
        ForeignKey("recipients.id", ondelete="SET NULL"), nullable=True, index=True
    )
    # The recipient's value (text, ISO date, "true"/"false", option, PNG data URI ...).
    value: Mapped[str | None] = mapped_column(Text, nullable=True)

    signing_request: Mapped[SigningRequest] = relationship(back_populates="fields")
