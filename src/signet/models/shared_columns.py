"""Columns a request's table and its template's twin share: a person in a role (recipients,
template users) and a field's placement and rules (fields, template fields)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from signet.models.base import JSONType


class PersonColumns:
    """Who, in which role and order; the names are ``specs.PERSON_ATTRS`` and the role's."""

    # Array position on input; keeps output order stable.
    position: Mapped[int] = mapped_column(Integer, default=0)
    designation: Mapped[str] = mapped_column(String(16), default="Signer")  # Signer|Approver|CC
    # The role label PandaDoc clients match recipients by; None shows as "Signer 1" etc.
    role: Mapped[str | None] = mapped_column(String(255), nullable=True)
    order: Mapped[int] = mapped_column("signing_order", Integer, default=1)
    first_name: Mapped[str] = mapped_column(String(255), default="")
    last_name: Mapped[str] = mapped_column(String(255), default="")
    email: Mapped[str] = mapped_column(String(320), default="")
    phone_number: Mapped[str | None] = mapped_column(String(64), nullable=True)
    street_address: Mapped[str | None] = mapped_column(String(255), nullable=True)
    city: Mapped[str | None] = mapped_column(String(255), nullable=True)
    state_province: Mapped[str | None] = mapped_column(String(255), nullable=True)
    postal_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    country: Mapped[str | None] = mapped_column(String(255), nullable=True)
    title: Mapped[str | None] = mapped_column(String(255), nullable=True)
    company: Mapped[str | None] = mapped_column(String(255), nullable=True)
    custom_fields: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)


class FieldColumns:
    """A field's page, box in percent of the page (top-left origin), kind and rules; the
    names are ``specs.FIELD_ATTRS`` and its position among the fields."""

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
