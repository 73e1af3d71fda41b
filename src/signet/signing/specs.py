"""What a face hands the domain: face-neutral descriptions of recipients, fields and reminders.

Values arrive as the client sent them (a type name may be an alias, a designation may be in any
case, a recipient reference may be a temp id); ``validation`` checks them all at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

# Who acts is an audit concept; the domain's callers find it here beside the specs they build.
from signet.audit.actors import SYSTEM, Actor

__all__ = [
    "SYSTEM",
    "Actor",
    "DraftSpec",
    "FieldSpec",
    "RecipientSpec",
    "ReminderSpec",
]


@dataclass
class RecipientSpec:
    ref: str | None = None  # temp_* id on create, UUID on update
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    designation: str = "Signer"
    order: int | None = None
    phone_number: str | None = None
    role: str | None = None
    street_address: str | None = None
    city: str | None = None
    state_province: str | None = None
    postal_code: str | None = None
    country: str | None = None
    title: str | None = None
    company: str | None = None
    custom_fields: dict[str, Any] = field(default_factory=dict)


@dataclass
class FieldSpec:
    type: str
    page_number: int
    x: float
    y: float
    width: float | None = None
    height: float | None = None
    ref: str | None = None  # the client's own id for conditions
    recipient_ref: str | None = None
    required: bool = True
    read_only: bool = False
    read_only_value: str | None = None
    prefilled_data: str | None = None
    variable_name: str | None = None
    variable_defined_name: str | None = None
    name: str | None = None
    dropdown_options: list[str] | None = None
    format_rules: dict[str, Any] | None = None
    date_default: str | None = None
    date_signing_default: bool = False
    multi_group_id: str | None = None
    required_conditions: dict[str, Any] | None = None
    visibility_conditions: dict[str, Any] | None = None
    validation_rules: dict[str, Any] | None = None
    background_color: str | None = None


# A person's contact details, as a spec, a recipient and a template user all carry them.
CONTACT_ATTRS = (
    "first_name",
    "last_name",
    "email",
    "phone_number",
    "street_address",
    "city",
    "state_province",
    "postal_code",
    "country",
    "title",
    "company",
)
PERSON_ATTRS = (*CONTACT_ATTRS, "custom_fields")
# What a field carries between its spec and a stored row (a request's or a template's).
FIELD_ATTRS = tuple(f.name for f in fields(FieldSpec) if f.name not in ("ref", "recipient_ref"))


@dataclass
class ReminderSpec:
    hours: int
    all_users: bool = False
    recipient_ref: str | None = None
    subject: str | None = None
    message: str | None = None
    ref: str | None = None  # the stored reminder's id, kept on update


@dataclass
class DraftSpec:
    name: str
    description: str | None = None
    expiration_hours: int = 168
    settings: dict[str, Any] = field(default_factory=dict)
    language: str = "en"
    metadata: dict[str, Any] = field(default_factory=dict)
    recipients: list[RecipientSpec] = field(default_factory=list)
    fields: list[FieldSpec] = field(default_factory=list)
    reminders: list[ReminderSpec] = field(default_factory=list)
    # PandaDoc: Signers' and Approvers' orders are steps as given (equal orders sign in
    # parallel), not compacted to 1..n as Firma's are (``validation.compact_orders``).
    steps_as_given: bool = False
