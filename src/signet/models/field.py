"""A field placed on a page of the document, in percent of the page, top-left origin."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from signet.models.base import ID, Base, JSONType, new_id

if TYPE_CHECKING:
    from signet.models.signing_request import SigningRequest


class Field(Base):
    __tablename__ = "fields"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    signing_request_id: Mapped[str] = mapped_column(
        ForeignKey("signing_requests.id", ondelete="CASCADE"), index=True
    )
    recipient_id: Mapped[str | None] = mapped_column(
        ForeignKey("recipients.id", ondelete="SET NULL"), nullable=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    type: Mapped[str] = mapped_column(String(32))
    page_number: Mapped[int] = mapped_column(Integer)
    x: Mapped[float] = mapped_column(Float)
    y: Mapped[float] = mapped_column(Float)
    width: Mapped[float] = mapped_column(Float)
    height: Mapped[float] = mapped_column(Float)
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    read_only: Mapped[bool] = mapped_column(Boolean, default=False)
    read_only_value: Mapped[str | None] = mapped_column(Text, nullable=True)
    prefilled_data: Mapped[str | None] = mapped_column(String(64), nullable=True)
    variable_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    variable_defined_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    dropdown_options: Mapped[list[str] | None] = mapped_column(JSONType, nullable=True)
    format_rules: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    date_default: Mapped[str | None] = mapped_column(String(32), nullable=True)
    date_signing_default: Mapped[bool] = mapped_column(Boolean, default=False)
    multi_group_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    required_conditions: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    visibility_conditions: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    validation_rules: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    background_color: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # The recipient's value (text, ISO date, "true"/"false", option, PNG data URI ...).
    value: Mapped[str | None] = mapped_column(Text, nullable=True)

    signing_request: Mapped[SigningRequest] = relationship(back_populates="fields")
